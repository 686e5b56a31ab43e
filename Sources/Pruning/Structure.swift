import Engine

/// How units are removed: single weights (masks) or whole units (physical surgery).
public enum Granularity: String, Sendable, Codable, CaseIterable {
    /// Unstructured: individual weights of linear and conv layers, removed by masks.
    case weights
    /// Output units of hidden dense (linear) layers.
    case neurons
    /// Output channels (filters) of convolutions.
    case channels

    public var isStructured: Bool { self != .weights }
}

/// One layer that reads a group's units as input: a linear layer (columns) or a conv (in-channels).
public struct GroupConsumer: Sendable, Equatable {
    public var node: Int
    public var name: String
    /// Input columns per unit: 1 for conv in-channels and dense-to-dense links; H*W for a linear
    /// layer after a flatten (channel c owns columns c*H*W ..< (c+1)*H*W).
    public var block: Int
}

/// One linear/conv layer whose units can be removed: the member of a `ChannelGroup` that
/// scorers score. Scores and keep-sets are keyed by its name.
public struct PruningGroup: Sendable, Equatable {
    /// The producer's node name; scores and keep-sets are keyed by it.
    public var name: String
    public var producer: Int
    public var granularity: Granularity
    /// Per-channel layers that read exactly this producer's channels (BatchNorm, SigmoidBatchNorm,
    /// LayerNorm over them).
    public var followers: [Int]
    public var followerNames: [String]
    /// Layers that read exactly these channels, in this order (after a residual add too: the
    /// sum carries the same channels). Readers of a concatenation are not listed: they read a
    /// slice, which surgery handles but per-layer scorers do not.
    public var consumers: [GroupConsumer]
    public var units: Int
    /// The `ChannelGroup` this producer belongs to.
    public var group: String
}

/// Channels that can only be removed together, with every layer that holds them: Torch-Pruning's
/// dependency group. A producer on its own is a group of one; producers summed by residual adds
/// (a whole ResNet stage through identity shortcuts) are one group, and channel k of the group
/// is channel k of each of them. A squeeze-excite block's expand convolution joins the group of
/// the map its gate scales. Depthwise convolutions and batch norms shrink with the channels
/// they carry; a concatenation's readers lose the slices of the channels its inputs lose.
public struct ChannelGroup: Sendable, Equatable {
    /// The first member's name.
    public var name: String
    public var granularity: Granularity
    /// Producers (linear/conv layers) in graph order.
    public var members: [String]
    /// Channels of the group (distinct tied sets); each member maps its units onto them.
    public var units: Int
    /// For every member, the group channel each of its units is.
    public var channelOf: [String: [Int]]
    /// false where a channel must stay (it reaches the output or a layer that cannot be sliced).
    public var prunable: [Bool]
    /// Residual adds, squeeze-excite products, shortcuts, concatenations and depthwise
    /// convolutions the channels pass: what coupled them (empty for a plain producer with its
    /// batch norm).
    public var joins: [String]
    /// Why channels are kept (the first reason met), nil when all are prunable.
    public var pinnedReason: String?
    /// Whether the kept channels are the model's classes.
    public var reachesOutput: Bool

    public var prunableUnits: Int { prunable.filter { $0 }.count }
    public var isCoupled: Bool { !joins.isEmpty || members.count > 1 }
}

/// Channel `channel` of the group named `group`.
public struct GroupChannel: Sendable, Equatable, Hashable {
    public var group: String
    public var channel: Int
    public init(group: String, channel: Int) { self.group = group; self.channel = channel }
}

/// A producer whose units cannot be removed, with the reason (model outputs, a layer kind the
/// analysis does not know, or `keep_coupled`).
public struct FixedLayer: Sendable, Equatable {
    public var name: String
    public var units: Int
    public var reason: String
    /// Residual joins, squeeze-excite products, concatenations and depthwise convolutions that tie this layer's channels to others.
    public var joins: [String]
    /// Its units are (or reach) the model's classes: expected, so reports leave it out.
    public var reachesOutput: Bool = false
}

/// The dependency groups of a model, derived from its graph (see `ChannelLayout`).
///
/// Every linear/conv producer's units are followed forward: batch norms, activations, pools and
/// depthwise convolutions carry them, a flatten turns each channel into a block of H*W columns,
/// residual adds tie the channels they sum, concatenations place them at an offset, and the
/// linear/conv layers that read them lose the matching inputs. Producers tied by adds form one
/// `ChannelGroup`, pruned together. Only channels reaching the model's output or a layer the
/// analysis cannot slice are kept whole; `keepCoupled` also keeps every coupled group whole (the
/// behaviour before groups crossed residual adds).
public struct StructureAnalysis: Sendable {
    /// Producers whose units can be removed (members of a group with prunable channels).
    public private(set) var groups: [PruningGroup] = []
    public private(set) var channelGroups: [ChannelGroup] = []
    public private(set) var fixed: [FixedLayer] = []
    let layout: ChannelLayout
    /// The group (index into `channelGroups`) and group channel of every tied class.
    private var place: [Int: GroupChannel] = [:]

    public init(_ model: Model, keepCoupled: Bool = false) throws {
        let shapes = try model.shapes()
        layout = ChannelLayout(model, shapes: shapes)
        // Producers' classes, and which classes share a producer (so belong to one group).
        var producers: [Int] = []
        var groupParent: [Int: Int] = [:]
        func find(_ c: Int) -> Int {
            var r = c
            while let p = groupParent[r], p != r { r = p }
            return r
        }
        func unite(_ a: Int, _ b: Int) {
            let (ra, rb) = (find(a), find(b))
            if ra != rb { groupParent[max(ra, rb)] = min(ra, rb) }
        }
        for n in model.nodes.indices {
            if case .producer = layout.roles[n] { producers.append(n) }
            else if case .shortcut = layout.roles[n] { } else { continue }
            let classes = layout.classes(of: n)
            for c in classes where groupParent[c] == nil { groupParent[c] = c }
            for c in classes.dropFirst() { unite(classes[0], c) }
        }
        // Nodes by the classes they carry, to find each producer's readers.
        var carriers: [[Int]: [Int]] = [:]
        for n in model.nodes.indices where !layout.layouts[n].isEmpty {
            carriers[layout.classes(of: n), default: []].append(n)
        }
        var byRoot: [Int: Int] = [:]
        var built: [ChannelGroup] = []
        for p in producers {
            let root = find(layout.classes(of: p)[0])
            let name = model.nodes[p].name
            let kind: Granularity = model.nodes[p].layer is Linear ? .neurons : .channels
            if byRoot[root] == nil {
                byRoot[root] = built.count
                built.append(ChannelGroup(name: name, granularity: kind, members: [], units: 0, channelOf: [:], prunable: [],
                                          joins: [], pinnedReason: nil, reachesOutput: false))
            }
            let g = byRoot[root]!
            built[g].members.append(name)
        }
        // Channel numbering: members in graph order, units in order; shortcut padding last.
        var channelIndex: [Int: (group: Int, channel: Int)] = [:]
        var classesOfGroup: [[Int]] = Array(repeating: [], count: built.count)
        func number(_ c: Int, _ g: Int) -> Int {
            if let k = channelIndex[c] { return k.channel }
            channelIndex[c] = (g, classesOfGroup[g].count)
            classesOfGroup[g].append(c)
            return classesOfGroup[g].count - 1
        }
        for p in producers {
            let classes = layout.classes(of: p)
            let g = byRoot[find(classes[0])]!
            built[g].channelOf[model.nodes[p].name] = classes.map { number($0, g) }
        }
        for n in model.nodes.indices {
            guard case .shortcut = layout.roles[n], let first = layout.classes(of: n).first, let g = byRoot[find(first)] else { continue }
            for c in layout.classes(of: n) { _ = number(c, g) }
        }
        for g in built.indices {
            let classes = classesOfGroup[g]
            built[g].units = classes.count
            var joinNodes = Set<Int>()
            for c in classes { joinNodes.formUnion(layout.joins[c] ?? []) }
            let joins = joinNodes.sorted().map { model.nodes[$0].name }
            built[g].joins = joins
            built[g].reachesOutput = classes.contains { layout.reachesOutput.contains($0) }
            let reasons = classes.compactMap { layout.pinned[$0] }
            built[g].prunable = classes.map { layout.pinned[$0] == nil }
            built[g].pinnedReason = reasons.first { $0.hasPrefix("output") } ?? reasons.first
            if keepCoupled && built[g].isCoupled && built[g].prunableUnits > 0 {
                built[g].prunable = classes.map { _ in false }
                built[g].pinnedReason = "keep_coupled: its channels are tied through \(joins.prefix(3).joined(separator: ", "))\(joins.count > 3 ? ", ..." : "")"
            }
        }
        channelGroups = built
        for (c, k) in channelIndex { place[c] = GroupChannel(group: built[k.group].name, channel: k.channel) }
        for p in producers {
            let node = model.nodes[p]
            let classes = layout.classes(of: p)
            let g = built[byRoot[find(classes[0])]!]
            let units = classes.count
            guard g.prunableUnits > 0 else {
                fixed.append(FixedLayer(name: node.name, units: units, reason: g.pinnedReason ?? "no channel can be removed",
                                        joins: g.joins, reachesOutput: g.reachesOutput))
                continue
            }
            // Followers: per-channel layers on the producer's own path, before any add or
            // concatenation (the batch norm that scales its channels). Consumers: every layer
            // reading exactly these channels, after adds too.
            var followers: [Int] = [], consumers: [GroupConsumer] = []
            var path = [p]
            while let n = path.popLast() {
                for c in model.consumers(of: n) where model.nodes[c].inputs.count == 1 {
                    switch (layout.roles[c], model.nodes[c].layer) {
                    case (.perChannel, is BatchNorm), (.perChannel, is SigmoidBatchNorm), (.perChannel, is LayerNorm):
                        if !followers.contains(c) { followers.append(c); path.append(c) }
                    case (.other, _) where layout.layouts[c] == layout.layouts[n]:
                        path.append(c)
                    default: break
                    }
                }
            }
            for n in carriers[classes] ?? [] {
                for c in model.consumers(of: n) where model.nodes[c].inputs.count == 1 {
                    if case .producer(reads: true) = layout.roles[c], !consumers.contains(where: { $0.node == c }) {
                        consumers.append(GroupConsumer(node: c, name: model.nodes[c].name, block: layout.blocks[n]))
                    }
                }
            }
            followers.sort()
            consumers.sort { $0.node < $1.node }
            groups.append(PruningGroup(name: node.name, producer: p, granularity: g.granularity, followers: followers,
                                       followerNames: followers.map { model.nodes[$0].name }, consumers: consumers,
                                       units: units, group: g.name))
        }
    }

    public func groups(_ granularity: Granularity) -> [PruningGroup] {
        groups.filter { $0.granularity == granularity }
    }

    public func group(named name: String) -> PruningGroup? { groups.first { $0.name == name } }

    /// Groups with channels to remove, of one granularity.
    public func channelGroups(_ granularity: Granularity) -> [ChannelGroup] {
        channelGroups.filter { $0.granularity == granularity && $0.prunableUnits > 0 }
    }

    public func channelGroup(named name: String) -> ChannelGroup? { channelGroups.first { $0.name == name } }

    /// For each channel (unit) of node `n`'s output, the group channel it carries; nil for
    /// channels of no group (the model's input, a grouped convolution's output) or a node whose
    /// channels the analysis does not follow. Shows where a group's channels travel: through its
    /// batch norms, depthwise convolutions, adds and into a slice of a concatenation.
    public func channels(atNode n: Int) -> [GroupChannel?] {
        guard layout.layouts.indices.contains(n) else { return [] }
        return layout.classes(of: n).map { place[$0] }
    }

    /// Producers of a structured granularity; throws when the model has none, naming what it has.
    public func requireGroups(_ granularity: Granularity) throws -> [PruningGroup] {
        precondition(granularity.isStructured, "weights have no groups")
        let found = groups(granularity)
        guard !found.isEmpty else {
            let other: Granularity = granularity == .channels ? .neurons : .channels
            let hint = groups(other).isEmpty ? "use granularity=weights"
                : "this model has \(other.rawValue) groups: use granularity=\(other.rawValue)"
            throw PruningError(.unsupportedModel, "granularity=\(granularity.rawValue): the model has no prunable \(granularity.rawValue)\(fixed.isEmpty ? "" : " (fixed: \(fixed.map(\.name).joined(separator: ", ")))"); \(hint)")
        }
        return found
    }
}

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

/// A set of units that must be removed together: the producer's rows (linear) or out-channels
/// (conv), the matching channels of per-channel followers (batch norms), and the matching input
/// columns/in-channels of every consumer.
public struct PruningGroup: Sendable, Equatable {
    /// The producer's node name; scores and keep-sets are keyed by it.
    public var name: String
    public var producer: Int
    public var granularity: Granularity
    /// Per-channel layers between producer and consumers (BatchNorm, SigmoidBatchNorm).
    public var followers: [Int]
    public var followerNames: [String]
    public var consumers: [GroupConsumer]
    public var units: Int
}

/// A producer whose units cannot be removed on their own, with the reason (model outputs,
/// residual adds tying channels of several layers, a layer kind the analysis does not know).
public struct FixedLayer: Sendable, Equatable {
    public var name: String
    public var units: Int
    public var reason: String
    /// Residual joins (add, shortcut) that tie this layer's channels to others.
    public var joins: [String]
}

/// The dependency groups of a model, derived from its graph.
///
/// From every linear/conv producer the analysis walks forward: batch norms are followers,
/// element-wise and pooling layers pass channels through, a flatten turns each channel into a
/// block of H*W columns, and the first linear/conv met on each path is a consumer. A path that
/// reaches a residual add, a shortcut, an unknown layer or the model's output makes the producer
/// fixed: for ResNets the outer channels are tied across a whole stage, so they are left alone
/// and reported, while each basic block's inner channel (conv1/bn1) stays prunable.
public struct StructureAnalysis: Sendable {
    public private(set) var groups: [PruningGroup] = []
    public private(set) var fixed: [FixedLayer] = []

    public init(_ model: Model) throws {
        let shapes = try model.shapes()
        for i in model.nodes.indices.dropFirst() {
            guard let layer = model.nodes[i].layer else { continue }
            let kind: Granularity
            let units: Int
            if let l = layer as? Linear { kind = .neurons; units = l.outFeatures }
            else if let c = layer as? Conv2d { kind = .channels; units = c.outChannels }
            else { continue }
            let trace = StructureAnalysis.trace(model, from: i, shapes: shapes, units: units)
            let name = model.nodes[i].name
            if let reason = trace.blocker {
                fixed.append(FixedLayer(name: name, units: units, reason: reason, joins: trace.joins))
            } else {
                groups.append(PruningGroup(name: name, producer: i, granularity: kind, followers: trace.followers,
                                           followerNames: trace.followers.map { model.nodes[$0].name },
                                           consumers: trace.consumers, units: units))
            }
        }
    }

    public func groups(_ granularity: Granularity) -> [PruningGroup] {
        groups.filter { $0.granularity == granularity }
    }

    public func group(named name: String) -> PruningGroup? { groups.first { $0.name == name } }

    /// Groups of a structured granularity; throws when the model has none, naming what it has.
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

    private struct Trace {
        var followers: [Int] = []
        var consumers: [GroupConsumer] = []
        var blocker: String?
        var joins: [String] = []
    }

    private static func trace(_ model: Model, from producer: Int, shapes: [[Int]], units: Int) -> Trace {
        var t = Trace()
        var stack = [(node: producer, block: 1)]
        var seen: Set<Int> = [producer]
        let outputNode = model.nodes.count - 1
        func block(_ why: String) { if t.blocker == nil { t.blocker = why } }
        while let (n, blockSize) = stack.popLast() {
            if n == outputNode {
                block(n == producer ? "output layer: the model's classes are never pruned"
                      : "its units reach the model's output through \(model.nodes[n].name)")
            }
            for c in model.consumers(of: n) where !seen.contains(c) {
                seen.insert(c)
                let node = model.nodes[c]
                switch node.layer {
                case is BatchNorm, is SigmoidBatchNorm:
                    t.followers.append(c)
                    stack.append((c, blockSize))
                case is ReLU, is ElementwiseActivation, is MaxPool2d, is AvgPool2d, is Dropout:
                    stack.append((c, blockSize))
                case is GlobalAvgPool:
                    stack.append((c, 1))
                case is Flatten:
                    let perUnit = shapes[n].count > 1 ? shapes[n].dropFirst().reduce(1, *) : 1
                    stack.append((c, blockSize * perUnit))
                case let l as Linear:
                    if l.inFeatures == units * blockSize {
                        t.consumers.append(GroupConsumer(node: c, name: node.name, block: blockSize))
                    } else {
                        block("consumer \(node.name) reads \(l.inFeatures) inputs, not \(units) units x \(blockSize)")
                    }
                case let conv as Conv2d:
                    if conv.inChannels == units && blockSize == 1 {
                        t.consumers.append(GroupConsumer(node: c, name: node.name, block: 1))
                    } else {
                        block("consumer \(node.name) reads \(conv.inChannels) channels, not \(units)")
                    }
                case is Add, is ShortcutA:
                    // Residual joins tie channels of several layers; keep walking to find the whole tied set.
                    t.joins.append(node.name)
                    block("residual join \(node.name) ties its channels to other layers")
                    stack.append((c, blockSize))
                default:
                    block("layer \(node.name) (\(node.layer?.kind ?? "?")) is not understood by the dependency analysis")
                }
            }
        }
        if t.consumers.isEmpty && t.blocker == nil { block("no layer reads its units") }
        return t
    }
}

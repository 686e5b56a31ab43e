import Engine

/// Which channel of which tensor is tied to which: the dependency graph behind `StructureAnalysis`.
///
/// Every output channel (unit) a linear or conv layer produces is one element. Walking the graph
/// in order, each node's output gets a layout: the elements its channels carry, in order.
/// Per-channel layers (batch norms, layer norms, activations, pools, depthwise convolutions) pass
/// their input's layout on; a softmax passes it on but pins it (it mixes all its inputs); a concatenation joins its inputs' layouts; an option-A shortcut adds
/// padding elements around its input's; a residual add unites its inputs' elements position by
/// position (union-find), so the channels it sums can only be removed together, and so does a
/// product (a squeeze-excite block's map times its per-channel gate: the map's channel k, the
/// gate's channel k and the squeeze convolution's input k go together, as in Torch-Pruning's
/// DepGraph). Elements that reach something the analysis cannot slice (the model's output, an
/// unknown layer, a grouped convolution) are pinned: their whole class is kept.
struct ChannelLayout {
    /// What a node does with channels, for surgery.
    enum Role: Equatable {
        /// A linear/conv layer (groups 1): reads its input layout (in-channels/columns, `block`
        /// columns per channel) when `reads`, and produces fresh elements.
        case producer(reads: Bool)
        /// A per-channel layer sliced with its input: batch norm or a depthwise convolution.
        case perChannel
        /// An option-A shortcut: its padding shrinks to the padding channels kept.
        case shortcut(padBefore: Int, padAfter: Int)
        /// Passes channels through unchanged or has nothing to slice.
        case other
    }

    /// Element ids per node output (empty when the node has no channel structure the analysis follows).
    private(set) var layouts: [[Int]] = []
    /// Input columns per element for a node's output (H*W after a flatten of [C, H, W]).
    private(set) var blocks: [Int] = []
    private(set) var roles: [Role] = []
    /// The producer node and unit index of every element; nil for padding and pinned sources.
    private(set) var owners: [(node: Int, unit: Int)?] = []
    /// The class (union-find root) of every element, after the pass.
    private(set) var classOf: [Int] = []
    /// Why a class cannot be removed, by class.
    private(set) var pinned: [Int: String] = [:]
    /// Classes that reach the model's output (reported apart: the classes are never pruned).
    private(set) var reachesOutput: Set<Int> = []
    /// Residual adds, products, shortcuts, concatenations and depthwise convolutions (node indices) each class passes, by class.
    private(set) var joins: [Int: Set<Int>] = [:]

    private var parent: [Int] = []

    init(_ model: Model, shapes: [[Int]]) {
        let outputNode = model.nodes.count - 1
        var pinReason: [Int: String] = [:]
        var joinNodes: [Int: Set<Int>] = [:]
        var outputElements: [Int] = []
        func fresh(_ count: Int, owner node: Int?) -> [Int] {
            (0..<count).map { u in
                parent.append(parent.count)
                owners.append(node.map { ($0, u) })
                return parent.count - 1
            }
        }
        func pin(_ elements: [Int], _ why: String) {
            for e in elements where pinReason[e] == nil { pinReason[e] = why }
        }
        func join(_ elements: [Int], _ node: Int) {
            for e in elements { joinNodes[e, default: []].insert(node) }
        }
        /// Inputs carrying the same number of channels in the same blocks, channel k with channel k.
        func alike(_ ins: [Int]) -> Bool {
            guard let first = ins.first, !layouts[first].isEmpty else { return false }
            return ins.allSatisfy { layouts[$0].count == layouts[first].count && blocks[$0] == blocks[first] }
        }
        for n in model.nodes.indices {
            let node = model.nodes[n]
            let ins = node.inputs
            let input = ins.first.map { layouts[$0] } ?? []
            let block = ins.first.map { blocks[$0] } ?? 1
            var out: [Int] = []
            var outBlock = 1
            var role = Role.other
            let units = shapes[n].first ?? 0
            switch node.layer {
            case nil:
                // The model's input: its channels come from the data and are never removed.
                out = fresh(units, owner: nil)
                pin(out, "the model's input")
            case let l as Linear:
                let reads = !input.isEmpty && l.inFeatures == input.count * block
                if !reads { pin(input, "\(node.name) reads \(l.inFeatures) inputs, not \(input.count) channels x \(block)") }
                role = .producer(reads: reads)
                out = fresh(l.outFeatures, owner: n)
            case let c as Conv2d:
                let reads = !input.isEmpty && c.inChannels == input.count && block == 1
                if !reads { pin(input, "\(node.name) reads \(c.inChannels) channels, not \(input.count)") }
                role = .producer(reads: reads)
                out = fresh(c.outChannels, owner: n)
            case let c as GeneralConv2d where c.groups == 1:
                let reads = !input.isEmpty && c.inChannels == input.count && block == 1
                if !reads { pin(input, "\(node.name) reads \(c.inChannels) channels, not \(input.count)") }
                role = .producer(reads: reads)
                out = fresh(c.outChannels, owner: n)
            case let c as GeneralConv2d where c.groups == c.inChannels && c.outChannels == c.inChannels
                                              && input.count == c.inChannels && block == 1:
                // Depthwise: channel k reads only input channel k, so it is sliced with its producer.
                role = .perChannel
                out = input
                join(input, n)
            case let c as GeneralConv2d:
                pin(input, "grouped convolution \(node.name) (groups \(c.groups)) mixes channels within groups")
                out = fresh(c.outChannels, owner: nil)
                pin(out, "grouped convolution \(node.name) (groups \(c.groups)) is not sliced")
            case let b as BatchNorm where b.channels == input.count:
                role = .perChannel
                out = input; outBlock = block
            case let b as SigmoidBatchNorm where b.parameters.first?.value.count == input.count:
                role = .perChannel
                out = input; outBlock = block
            case is ReLU, is ElementwiseActivation, is MaxPool2d, is AvgPool2d, is Dropout:
                out = input; outBlock = block
            case let s as Softmax:
                // Every output divides by a sum over all inputs: removing one changes the others.
                // The channels still pass through, so at the model's end the classes are the reason.
                pin(input, "\(s.kind) \(node.name) normalises over all its inputs, so removing one would change every output")
                out = input; outBlock = block
            case let l as LayerNorm where l.normalizedShape.count < (shapes[ins[0]].count) && block == 1:
                // Over [H, W] or [W] of [C, H, W]: each channel is normalised on its own, with weights shared by all.
                out = input
            case let l as LayerNorm where l.normalizedShape.count == shapes[ins[0]].count && block == 1
                                           && l.normalizedShape.first == input.count:
                // Over every dimension from the channels on (Torch-Pruning's rule for LayerNorm): sliced
                // with its channels like a batch norm; its mean and variance are then over the kept ones.
                role = .perChannel
                out = input
            case let l as LayerNorm:
                pin(input, "layernorm \(node.name) normalises \(l.normalizedShape) of \(block) input columns per unit, which the analysis does not slice")
                out = input; outBlock = block
            case is GlobalAvgPool where block == 1:
                out = input
            case is Flatten:
                out = input
                let perChannel = shapes[ins[0]].count > 1 ? shapes[ins[0]].dropFirst().reduce(1, *) : 1
                outBlock = block * perChannel
            case is Add where alike(ins), is Multiply where alike(ins):
                // A product ties its inputs' channels as a sum does: a squeeze-excite gate's
                // channel k (its expand convolution's unit k) scales the map's channel k.
                for other in ins.dropFirst() {
                    for (a, b) in zip(input, layouts[other]) { union(a, b) }
                    join(layouts[other], n)
                }
                join(input, n)
                out = input; outBlock = block
            case let s as ShortcutA where block == 1 && !input.isEmpty:
                role = .shortcut(padBefore: s.padBefore, padAfter: s.padAfter)
                out = fresh(s.padBefore, owner: nil) + input + fresh(s.padAfter, owner: nil)
                join(out, n)
            case is ConcatChannels where ins.allSatisfy({ blocks[$0] == 1 && !layouts[$0].isEmpty }):
                out = ins.flatMap { layouts[$0] }
                join(out, n)
            default:
                let kind = node.layer?.kind ?? "?"
                for i in ins { pin(layouts[i], "layer \(node.name) (\(kind)) is not understood by the dependency analysis") }
                out = fresh(units, owner: nil)
                pin(out, "it comes from \(node.name) (\(kind)), which the dependency analysis does not slice")
            }
            if n == outputNode { outputElements = out }
            layouts.append(out)
            blocks.append(outBlock)
            roles.append(role)
        }
        if let last = model.nodes.indices.last {
            let why = model.nodes[last].layer is Linear || model.nodes[last].layer is Conv2d
                ? "output layer: the model's classes are never pruned"
                : "output: its units reach the model's output through \(model.nodes[last].name), and the classes are never pruned"
            // The output's reason wins: whatever else holds these elements, the classes are the cause.
            for e in outputElements { pinReason[e] = why }
        }
        classOf = parent.indices.map { find($0) }
        // The first element's reason per class (element order is graph order), the output's over any.
        let output = Set(outputElements)
        for (e, why) in pinReason.sorted(by: { $0.key < $1.key }) where pinned[classOf[e]] == nil || output.contains(e) {
            pinned[classOf[e]] = why
        }
        for e in outputElements { reachesOutput.insert(classOf[e]) }
        for (e, nodes) in joinNodes { joins[classOf[e], default: []].formUnion(nodes) }
    }

    private mutating func find(_ e: Int) -> Int {
        var r = e
        while parent[r] != r { r = parent[r] }
        var x = e
        while parent[x] != r { let next = parent[x]; parent[x] = r; x = next }
        return r
    }

    private mutating func union(_ a: Int, _ b: Int) {
        let (ra, rb) = (find(a), find(b))
        if ra != rb { parent[max(ra, rb)] = min(ra, rb) }
    }

    /// The classes a node's output carries, in channel order.
    func classes(of node: Int) -> [Int] { layouts[node].map { classOf[$0] } }
}

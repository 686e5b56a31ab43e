/// Eval-mode forwards without observers run each convolution together with the batch norm and
/// ReLU that follow it, when nothing else reads the intermediate results: conv -> [batch norm]
/// -> [ReLU], each the only consumer of the one before. The chain becomes one pass over the
/// convolution's output (ConvEpilogue) instead of three. Training and observed forwards (the
/// scorers read every node's output) keep the layers separate.
struct FusedChain {
    let conv: Conv2d
    let epilogue: ConvEpilogue
    /// The nodes after the convolution whose work the epilogue does (their outputs are the
    /// chain's final output and not read by anything else).
    let covered: [Int]
}

enum InferenceFusion {
    /// Chains keyed by the convolution's node.
    static func chains(_ model: Model) -> [Int: FusedChain] {
        var consumers = Array(repeating: [Int](), count: model.nodes.count)
        for (i, n) in model.nodes.enumerated() { for s in n.inputs { consumers[s].append(i) } }
        var out: [Int: FusedChain] = [:]
        for (i, n) in model.nodes.enumerated() {
            guard let conv = n.layer as? Conv2d else { continue }
            var covered: [Int] = []
            var norm: BatchNorm?
            var relu = false
            var at = i
            if consumers[at].count == 1, let bn = model.nodes[consumers[at][0]].layer as? BatchNorm,
               bn.channels == conv.outChannels {
                norm = bn
                at = consumers[at][0]
                covered.append(at)
            }
            if consumers[at].count == 1, model.nodes[consumers[at][0]].layer is ReLU {
                relu = true
                at = consumers[at][0]
                covered.append(at)
            }
            guard !covered.isEmpty else { continue }
            out[i] = FusedChain(conv: conv, epilogue: ConvEpilogue(conv: conv, norm: norm, relu: relu), covered: covered)
        }
        return out
    }
}

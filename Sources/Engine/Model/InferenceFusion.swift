/// Eval-mode forwards without observers run a layer together with the layers after it whose
/// work it can do as it writes its output, when nothing else reads the intermediate results:
/// - conv -> [batch norm] -> [add] -> [ReLU]: the batch norm's affine map, a residual add's
///   other input and the ReLU become the convolution's epilogue (ConvEpilogue), one pass over its
///   output instead of four (the add's other input must come from an earlier node);
/// - linear -> ReLU: the sparse kernels clamp each output as they write it;
/// - add -> ReLU: the residual join and its ReLU in one pass.
/// Each layer in a chain is the only consumer of the one before. Training forwards fuse only
/// batch norm -> ReLU and add -> ReLU (TrainingFusion); observed forwards (the scorers read
/// every node's output) keep the layers separate.
struct FusedChain {
    enum Head {
        case conv(Conv2d, ConvEpilogue)
        case linearReLU(Linear)
        case addReLU(Add)
    }

    let head: Head
    /// The nodes after the head whose work it does (their outputs are the chain's final output
    /// and not read by anything else).
    let covered: [Int]
    /// The node whose output a conv chain's residual add adds (computed before the head).
    var residual: Int?

    /// The head's layer kind ("conv", "linear", "add"), for tests and inspection.
    var kind: String {
        switch head {
        case .conv: "conv"
        case .linearReLU: "linear"
        case .addReLU: "add"
        }
    }

    /// `residual`: the output of node `residual`.
    func forward(_ inputs: [Tensor], residual: Tensor?, configuration: EngineConfiguration) -> Tensor {
        switch head {
        case .conv(let conv, var epilogue):
            epilogue.residual = residual
            return conv.forwardEval(inputs[0], epilogue: epilogue, configuration: configuration)
        case .linearReLU(let linear): return linear.forwardEval(inputs[0], relu: true, configuration: configuration)
        case .addReLU(let add): return add.forward(inputs, relu: true)
        }
    }
}

enum InferenceFusion {
    /// Chains keyed by their head's node.
    static func chains(_ model: Model) -> [Int: FusedChain] {
        let consumers = model.consumerLists()
        /// The node's one consumer when it is a ReLU.
        func reluAfter(_ node: Int) -> Int? {
            consumers[node].count == 1 && model.nodes[consumers[node][0]].layer is ReLU ? consumers[node][0] : nil
        }
        var out: [Int: FusedChain] = [:]
        for (i, n) in model.nodes.enumerated() {
            switch n.layer {
            case let conv as Conv2d:
                var covered: [Int] = []
                var norm: BatchNorm?
                var at = i
                if consumers[at].count == 1, let bn = model.nodes[consumers[at][0]].layer as? BatchNorm,
                   bn.channels == conv.outChannels {
                    norm = bn
                    at = consumers[at][0]
                    covered.append(at)
                }
                var residual: Int?
                if consumers[at].count == 1, model.nodes[consumers[at][0]].layer is Add {
                    let add = consumers[at][0], others = model.nodes[add].inputs.filter { $0 != at }
                    if model.nodes[add].inputs.count == 2, others.count == 1, others[0] < i {
                        residual = others[0]
                        at = add
                        covered.append(add)
                    }
                }
                let relu = reluAfter(at)
                if let relu { covered.append(relu) }
                guard !covered.isEmpty else { continue }
                out[i] = FusedChain(head: .conv(conv, ConvEpilogue(conv: conv, norm: norm, relu: relu != nil)), covered: covered,
                                    residual: residual)
            case let linear as Linear:
                if let relu = reluAfter(i) { out[i] = FusedChain(head: .linearReLU(linear), covered: [relu]) }
            case let add as Add:
                if let relu = reluAfter(i) { out[i] = FusedChain(head: .addReLU(add), covered: [relu]) }
            default:
                continue
            }
        }
        return out
    }
}

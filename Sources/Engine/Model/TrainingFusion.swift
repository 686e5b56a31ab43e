/// A layer that can apply the ReLU after it as it writes its output. After a forward with `relu`
/// its `backward` takes the gradient of the ReLU's output, and masks it itself.
protocol ReLUFusable: Layer {
    func forward(_ inputs: [Tensor], mode: Mode, relu: Bool) -> Tensor
}

/// Training forwards without observers run batch norm -> ReLU and add -> ReLU as one layer when
/// the ReLU is the layer's only consumer: the layer writes max(y, 0) directly, and in the
/// backward the ReLU's gradient goes straight to it. Batch norm recomputes from its input which
/// outputs the ReLU passed, so its backward reads neither the ReLU's output nor a masked copy of
/// the gradient; the add masks the gradient once by its output, as the ReLU would. Either way
/// the values are the separate layers', bit for bit, without the ReLU's forward pass and (for
/// batch norm) its backward pass over the activations. Observed forwards keep the layers
/// separate: scorers read every node's output and gradient.
///
/// A batch norm whose only consumer is a two-input add (a residual block's second norm) also
/// writes the add's output itself: norm + residual (then the add's ReLU) in its one pass over
/// the activations, so the norm's own output is neither written nor read back. The add's
/// backward, which needs only that output, runs as before; the values are the separate
/// layers', bit for bit.
enum TrainingFusion {
    /// The norm that writes each add's output, and the add's other input, keyed by the add's
    /// node. The pair runs when the add's turn comes (the norm's input is ready by then, and
    /// nothing else reads the norm's output), so the other input may come after the norm.
    static func normBeforeAdd(_ model: Model) -> [Int: (norm: Int, residual: Int)] {
        let consumers = model.consumerLists()
        var out: [Int: (norm: Int, residual: Int)] = [:]
        for (a, n) in model.nodes.enumerated() where n.layer is Add && n.inputs.count == 2 && n.inputs[0] != n.inputs[1] {
            for (norm, other) in [(n.inputs[1], n.inputs[0]), (n.inputs[0], n.inputs[1])]
            where model.nodes[norm].layer is BatchNorm && consumers[norm] == [a] {
                out[a] = (norm, other)
                break
            }
        }
        return out
    }

    /// The ReLU node fused into each fusable node, keyed by that node.
    static func reluAfter(_ model: Model) -> [Int: Int] {
        let consumers = model.consumerLists()
        var out: [Int: Int] = [:]
        for (i, n) in model.nodes.enumerated() where n.layer is ReLUFusable {
            if consumers[i].count == 1, model.nodes[consumers[i][0]].layer is ReLU { out[i] = consumers[i][0] }
        }
        return out
    }
}

/// A layer whose backward can add its input gradient to the one already there (a node read by
/// two layers, such as a residual block's input) as it writes it, instead of the graph summing
/// the two in a pass of its own.
protocol InputGradientAdding: Layer {
    /// The input gradient with `adding` summed in when `added`, else the plain input gradient.
    func backward(_ dy: Tensor, adding: Tensor) -> (gradient: Tensor?, added: Bool)
}

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
enum TrainingFusion {
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

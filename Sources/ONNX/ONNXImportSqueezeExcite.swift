import Engine
import Foundation

/// The operators of a squeeze-excite block, x * gate(fc2(act(fc1(mean(x))))) as timm and
/// torchvision export it: the squeeze (ReduceMean over H, W with keepdims, or GlobalAveragePool
/// read by a 1x1 convolution) keeps its [C, 1, 1] shape so the excite convolutions stay
/// convolutions, and the Mul of the map by the gate becomes one `Multiply`. Mul of two
/// activations of one shape is imported too; any other broadcast is refused.
extension GraphImporter {
    /// Whether every reader of the node's output flattens it (classifier heads: pool, flatten,
    /// linear) or it is the graph's output, so the pool may drop the 1x1 spatial dimensions as
    /// prn's own models do.
    func onlyFlattened(_ n: Onnx_NodeProto) -> Bool {
        guard let out = n.output.first else { return false }
        return (readers[out] ?? []).allSatisfy { ["Flatten", "Reshape"].contains(graph.node[$0].opType) }
    }

    /// ReduceMean over the two spatial axes of [batch, C, H, W]: a global average pool.
    mutating func reduceMean(_ n: Onnx_NodeProto, _ k: Int) throws {
        let x = try activation(n, k, 0)
        let here = label(n, k)
        try requireSingleOutput(n, k)
        // Opset 18 moved the axes from an attribute to an optional input.
        var axes = ints(n, "axes")
        if axes == nil, n.input.count > 1, !n.input[1].isEmpty {
            guard let t = constants[n.input[1]] else {
                throw ONNXError(.unsupported, "\(here): the axes input '\(n.input[1])' is computed at run time; prn needs constant axes")
            }
            axes = try ONNXTensors.int64s(t, context: here).map { Int($0) }
        }
        let rank = x.shape.count + 1
        let normalized = Set((axes ?? []).map { $0 < 0 ? $0 + rank : $0 })
        guard x.shape.count == 3, normalized == [2, 3] else {
            throw ONNXError(.unsupported, "\(here): axes \(axes.map { "\($0)" } ?? "all") of per-sample shape \(x.shape); prn imports ReduceMean over the spatial axes [2, 3] of [batch, C, H, W] (a global average pool) or as the start of PyTorch's nn.LayerNorm export (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div, Mul, Add; export with opset_version=17 to write LayerNormalization instead)")
        }
        let keep = int(n, "keepdims", default: 1) == 1
        // The squeeze is "<module>.pool", so the Mul, the module's result, keeps the module's
        // name ("blocks.0.0.se") in reports of what ties a group.
        var name = nodeName(n, k)
        if let path = Self.torchModulePath(n.name), model.node(named: path + ".pool") == nil { name = path + ".pool" }
        try add(n, k, name: name, GlobalAvgPool(keepDims: keep && !onlyFlattened(n)), inputs: [x],
                shape: keep ? [x.shape[0], 1, 1] : [x.shape[0]])
    }

    /// Mul of two activations: a map by a per-channel gate (either order) or two of one shape.
    /// The SiLU and HardSwish forms (x * sigmoid(x)) never reach here: their gate absorbs them.
    mutating func multiply(_ n: Onnx_NodeProto, _ k: Int) throws {
        let here = label(n, k)
        guard n.input.count == 2 else { throw ONNXError(.malformed, "\(here): Mul needs two inputs") }
        if let c = n.input.first(where: { constants[$0] != nil }) {
            throw ONNXError(.unsupported, "\(here): multiplying by the constant '\(c)' is not supported; prn imports Mul of two layer outputs (a squeeze-excite gate, or two activations of one shape), and x * sigmoid(x), x * hardsigmoid(x) and GELU's Mul as activations")
        }
        var x = try activation(n, k, 0), s = try activation(n, k, 1)
        if x.shape.count == 3, x.shape == [s.shape.first ?? 0, 1, 1], s.shape.count == 3 { swap(&x, &s) }
        guard x.shape == s.shape || (x.shape.count == 3 && s.shape == [x.shape[0], 1, 1]) else {
            throw ONNXError(.unsupported, "\(here): inputs have per-sample shapes \(x.shape) and \(s.shape); prn multiplies two activations of one shape or a [C, H, W] map by a [C, 1, 1] per-channel gate (no other broadcasting)")
        }
        try add(n, k, name: nodeName(n, k), Multiply(), inputs: [x, s], shape: x.shape)
    }
}

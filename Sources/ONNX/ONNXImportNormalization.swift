import Engine
import Foundation

/// Softmax heads, layer normalisation (the opset-17 operator and the node chain PyTorch exports
/// for nn.LayerNorm at opsets 13-16), and the zero Pad PyTorch writes before an AveragePool for
/// count_include_pad=True.
extension GraphImporter {
    /// Softmax / LogSoftmax over the features of [batch, features] (axis 1 or -1; before opset 13
    /// the default axis 1 means the same for a 2-D input).
    mutating func softmax(_ n: Onnx_NodeProto, _ k: Int) throws {
        let x = try activation(n, k, 0)
        let axis = int(n, "axis", default: -1)
        guard x.shape.count == 1, axis == 1 || axis == -1 else {
            throw ONNXError(.unsupported, "\(label(n, k)): axis=\(axis) on per-sample shape \(x.shape); prn computes \(n.opType) over the features of [batch, features] only (axis=1 or -1)")
        }
        try add(n, k, name: nodeName(n, k), Softmax(log: n.opType == "LogSoftmax"), inputs: [x], shape: x.shape)
    }

    /// LayerNormalization (opset 17): Scale and optional B over the dimensions from `axis` on.
    mutating func layerNormalization(_ n: Onnx_NodeProto, _ k: Int) throws {
        let x = try activation(n, k, 0)
        try requireSingleOutput(n, k)
        guard let (scaleName, scale) = try constant(n, k, 1) else { return }
        let bias = try constant(n, k, 2, required: false)
        let eps = float(n, "epsilon", default: 1e-5)
        // Every dimension from `axis` to the last is normalised.
        let rank = x.shape.count + 1, axis = int(n, "axis", default: -1)
        let first = axis < 0 ? axis + rank : axis
        let shape = try normalizedShape(x, axes: first >= 0 && first < rank ? Array(first..<rank) : [axis], n, k)
        try addLayerNorm(n, k, x, shape: shape, eps: eps, scale: (scaleName, scale), bias: bias, output: n.output.first)
    }

    /// PyTorch's nn.LayerNorm below opset 17: ReduceMean(x) -> Sub(x, mean) -> Pow(2) -> ReduceMean
    /// -> Add(eps) -> Sqrt -> Div(centred, std) [-> Mul(weight) -> Add(bias)], folded into one layer
    /// when every node is exactly that; anything else is refused.
    mutating func layerNormPattern(_ n: Onnx_NodeProto, _ k: Int) throws {
        let x = try activation(n, k, 0)
        let refusal = ONNXError(.unsupported, "\(label(n, k)): prn imports ReduceMean only as the start of PyTorch's nn.LayerNorm export (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div, Mul, Add); this graph differs. Export with opset_version=17, which writes LayerNormalization")
        guard let match = try layerNormChain(n, k) else { throw refusal }
        let shape = try normalizedShape(x, axes: match.axes, n, k)
        absorbed.formUnion(match.nodes)
        try addLayerNorm(n, k, x, shape: shape, eps: match.eps, scale: match.scale, bias: match.bias, output: match.output)
    }

    /// The per-sample normalised shape for ONNX axes (of [batch, ...]): the trailing dimensions
    /// from the first axis on, never the batch.
    private func normalizedShape(_ x: ImportedValue, axes: [Int], _ n: Onnx_NodeProto, _ k: Int) throws -> [Int] {
        let rank = x.shape.count + 1
        let positive = axes.map { $0 < 0 ? $0 + rank : $0 }
        guard let first = positive.first, first >= 1, first < rank, positive == Array(first..<rank) else {
            throw ONNXError(.unsupported, "\(label(n, k)): normalises axes \(axes) of a [batch] + \(x.shape) input; prn normalises the trailing dimensions after the batch (axis 1 ... -1)")
        }
        return Array(x.shape[(first - 1)...])
    }

    private mutating func addLayerNorm(_ n: Onnx_NodeProto, _ k: Int, _ x: ImportedValue, shape: [Int], eps: Float,
                                       scale: (name: String, tensor: Tensor)?, bias: (name: String, tensor: Tensor)?,
                                       output: String?) throws {
        let here = label(n, k)
        guard eps > 0, eps.isFinite else { throw ONNXError(.malformed, "\(here): epsilon=\(eps) must be positive") }
        let layer = LayerNorm(shape, eps: eps)
        for (p, t) in [(layer.weight, scale), (layer.bias, bias)] {
            guard let (name, values) = t else { continue }
            guard values.count == p.value.count else {
                throw ONNXError(.unsupported, "\(here): '\(name)' has shape \(values.shape) but the normalised dimensions are \(shape)")
            }
            for i in 0..<values.count { p.value[i] = values[i] }
        }
        try add(n, k, name: nodeName(n, k, weight: scale?.name), layer, inputs: [x], shape: x.shape, output: output)
    }

    struct LayerNormChain {
        var nodes: [Int]
        var axes: [Int]
        var eps: Float
        var scale: (name: String, tensor: Tensor)?
        var bias: (name: String, tensor: Tensor)?
        var output: String
    }

    /// The node reading `value` when it is the only reader and `value` is no graph output.
    private func soleReader(_ value: String, _ op: String) -> (index: Int, node: Onnx_NodeProto)? {
        guard let r = readers[value], r.count == 1, graph.output.allSatisfy({ $0.name != value }) else { return nil }
        let node = graph.node[r[0]]
        return node.opType == op && node.domain.isEmpty ? (r[0], node) : nil
    }

    /// A constant by value name, also from a Constant node later in the graph (PyTorch emits the
    /// pattern's constants between its nodes).
    private func constantTensor(_ name: String) throws -> (name: String, tensor: Tensor)? {
        if let t = constants[name] { return (t.name.isEmpty ? name : t.name, try ONNXTensors.floats(t, context: "\(source): '\(name)'")) }
        guard let c = graph.node.first(where: { $0.opType == "Constant" && $0.output.first == name }),
              let a = c.attribute.first(where: { $0.name == "value" }), a.hasT else { return nil }
        return (name, try ONNXTensors.floats(a.t, context: "\(source): '\(name)'"))
    }

    private func reduceAxes(_ n: Onnx_NodeProto) throws -> [Int]? {
        guard int(n, "keepdims", default: 1) == 1 else { return nil }
        if let a = ints(n, "axes") { return a }
        // Opset 18 moved axes to an input.
        guard n.input.count >= 2, let t = constants[n.input[1]] else { return nil }
        return try ONNXTensors.int64s(t, context: "\(source): '\(n.input[1])'").map { Int($0) }
    }

    func layerNormChain(_ n: Onnx_NodeProto, _ k: Int) throws -> LayerNormChain? {
        guard let x = n.input.first, let mean = n.output.first, let axes = try reduceAxes(n),
              let sub = soleReader(mean, "Sub"), sub.node.input.count == 2, sub.node.input[0] == x, sub.node.input[1] == mean,
              let centred = sub.node.output.first, let users = readers[centred], users.count == 2,
              graph.output.allSatisfy({ $0.name != centred }) else { return nil }
        let pair = users.map { ($0, graph.node[$0]) }
        guard let pow = pair.first(where: { $0.1.opType == "Pow" }), let div = pair.first(where: { $0.1.opType == "Div" }),
              pow.1.input.count == 2, pow.1.input[0] == centred, let exponent = try constantTensor(pow.1.input[1]),
              exponent.tensor.count == 1, exponent.tensor[0] == 2,
              let square = pow.1.output.first, let variance = soleReader(square, "ReduceMean"),
              try reduceAxes(variance.node) == axes, let v = variance.node.output.first,
              let addEps = soleReader(v, "Add"), addEps.node.input.count == 2,
              let epsName = addEps.node.input.first(where: { $0 != v }), let eps = try constantTensor(epsName), eps.tensor.count == 1,
              let e = addEps.node.output.first, let sqrt = soleReader(e, "Sqrt"), let s = sqrt.node.output.first,
              let divide = soleReader(s, "Div"), divide.index == div.0, div.1.input == [centred, s],
              var output = div.1.output.first else { return nil }
        var nodes = [sub.index, pow.0, variance.index, addEps.index, sqrt.index, div.0]
        var scale: (name: String, tensor: Tensor)?, bias: (name: String, tensor: Tensor)?
        if let mul = soleReader(output, "Mul"), mul.node.input.count == 2,
           let w = mul.node.input.first(where: { $0 != output }), let t = try constantTensor(w), let out = mul.node.output.first {
            scale = t
            nodes.append(mul.index)
            output = out
            if let add = soleReader(out, "Add"), add.node.input.count == 2,
               let b = add.node.input.first(where: { $0 != out }), let t = try constantTensor(b), let out2 = add.node.output.first {
                bias = t
                nodes.append(add.index)
                output = out2
            }
        }
        return LayerNormChain(nodes: nodes, axes: axes, eps: eps.tensor[0], scale: scale, bias: bias, output: output)
    }

    // MARK: Pad before AveragePool

    /// Spatial padding p of a constant zero Pad of [batch, C, H, W] (p on all four sides), or nil.
    private func spatialPadding(_ n: Onnx_NodeProto) -> Int? {
        let mode = attribute(n, "mode").map { String(decoding: $0.s, as: UTF8.self) } ?? "constant"
        guard mode == "constant" else { return nil }
        var pads: [Int64]
        if n.input.count >= 2, !n.input[1].isEmpty {
            guard let t = constants[n.input[1]], let p = try? ONNXTensors.int64s(t, context: source) else { return nil }
            pads = p
        } else {
            guard let p = attribute(n, "pads") else { return nil }
            pads = p.ints
        }
        if n.input.count >= 3, !n.input[2].isEmpty {
            guard let t = constants[n.input[2]], let v = try? ONNXTensors.floats(t, context: source), v.count == 1, v[0] == 0 else { return nil }
        }
        guard pads.count == 8, pads[0] == 0, pads[1] == 0, pads[4] == 0, pads[5] == 0,
              Set([pads[2], pads[3], pads[6], pads[7]]).count == 1, pads[2] >= 0, pads[2] <= 1 << 20 else { return nil }
        return Int(pads[2])
    }

    /// A zero Pad of H and W read only by an unpadded AveragePool: PyTorch's export of
    /// nn.AvgPool2d with count_include_pad=True (and of ceil_mode=True, with zero pads).
    func isAveragePoolPadding(_ n: Onnx_NodeProto) -> Bool {
        guard spatialPadding(n) != nil, let out = n.output.first, let pool = soleReader(out, "AveragePool") else { return false }
        return (ints(pool.node, "pads") ?? [0, 0, 0, 0]).allSatisfy { $0 == 0 }
    }

    /// The Pad and its AveragePool as one AvgPool2d that counts the padding in its divisor.
    mutating func paddedAveragePool(_ n: Onnx_NodeProto, _ k: Int) throws {
        let x = try activation(n, k, 0)
        guard let padding = spatialPadding(n), let out = n.output.first, let (index, node) = soleReader(out, "AveragePool") else {
            throw ONNXError(.malformed, "\(label(n, k)): not a padding before an AveragePool")
        }
        let here = label(node, index)
        let (kernel, stride, _) = try poolWindow(node, index, input: x)
        guard 2 * padding <= kernel else {
            throw ONNXError(.unsupported, "\(label(n, k)): pads the \(kernel)x\(kernel) average pool '\(node.name)' by \(padding), more than half its window; prn pools as PyTorch's nn.AvgPool2d, which allows at most half")
        }
        let ceil = int(node, "ceil_mode", default: 0) == 1
        let layer = AvgPool2d(kernel: kernel, stride: stride, padding: padding, ceilMode: ceil, countIncludePad: true)
        let shape: [Int]
        do { shape = try layer.outputShape([x.shape]) } catch { throw ONNXError(.unsupported, "\(here): \(error)") }
        // The graph pools the padded tensor without dropping a last window that starts in the
        // padding, as PyTorch's own AvgPool2d does; where that differs the export is not PyTorch's model.
        let padded = PoolGeometryCheck.size(x.shape[1] + 2 * padding, kernel, stride, ceil)
        let paddedW = PoolGeometryCheck.size(x.shape[2] + 2 * padding, kernel, stride, ceil)
        guard padded == shape[1], paddedW == shape[2] else {
            throw ONNXError(.unsupported, "\(here): pooling the \(padding)-padded input gives \(padded)x\(paddedW) windows where PyTorch's AvgPool2d (ceil_mode, padding \(padding)) gives \(shape[1])x\(shape[2]); this export does not compute PyTorch's model. Export the pool with count_include_pad=False or a size whose last window starts inside the input")
        }
        absorbed.insert(index)
        try add(node, index, name: nodeName(node, index), layer, inputs: [x], shape: shape, output: node.output.first)
    }
}

/// Output size of an unpadded ONNX pool over n values (ceil mode keeps a partial last window).
enum PoolGeometryCheck {
    static func size(_ n: Int, _ kernel: Int, _ stride: Int, _ ceil: Bool) -> Int {
        let span = n - kernel
        return (ceil ? (span + stride - 1) / stride : span / stride) + 1
    }
}

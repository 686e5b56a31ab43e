import Engine
import Foundation

/// One conversion per ONNX operator (see ONNXImport.supportedOperators).
extension GraphImporter {
    mutating func convert(_ n: Onnx_NodeProto, _ k: Int) throws {
        switch n.opType {
        case "Gemm": try gemm(n, k)
        case "MatMul": try matMul(n, k)
        case "Conv": try conv(n, k)
        case "BatchNormalization": try batchNorm(n, k)
        case "Relu":
            let x = try activation(n, k, 0)
            try add(n, k, name: nodeName(n, k), ReLU(), inputs: [x], shape: x.shape)
        case "Sub" where isInputNormalization(n), "Div" where isInputNormalization(n): try inputNormalization(n, k)
        case "Sigmoid", "Tanh", "LeakyRelu", "HardSwish", "HardSigmoid", "Clip", "Gelu", "Div": try elementwise(n, k)
        case "MaxPool", "AveragePool": try pool(n, k)
        case "GlobalAveragePool":
            let x = try activation(n, k, 0)
            guard x.shape.count == 3 else { throw ONNXError(.unsupported, "\(label(n, k)): input has per-sample shape \(x.shape); GlobalAveragePool needs [C, H, W]") }
            try add(n, k, name: nodeName(n, k), GlobalAvgPool(keepDims: !onlyFlattened(n)), inputs: [x], shape: [x.shape[0], 1, 1])
        case "ReduceMean":
            // PyTorch's LayerNorm chain starts with one; otherwise it must be a spatial squeeze.
            if try layerNormChain(n, k) != nil { try layerNormPattern(n, k) } else { try reduceMean(n, k) }
        case "Mul": try multiply(n, k)
        case "Flatten":
            let x = try activation(n, k, 0)
            let axis = int(n, "axis", default: 1)
            guard axis == 1 || (axis == -x.shape.count && x.shape.count == 1) else {
                throw ONNXError(.unsupported, "\(label(n, k)): axis=\(axis); prn flattens everything after the batch dimension (axis=1)")
            }
            try add(n, k, name: nodeName(n, k), Flatten(), inputs: [x], shape: [x.shape.reduce(1, *)])
        case "Reshape": try reshape(n, k)
        case "Concat" where n.input.contains(where: { values[$0] != nil }): try concat(n, k)
        case "Shape", "Gather", "Unsqueeze", "Squeeze", "Concat": try shapeOp(n, k)
        case "Add": try residualAdd(n, k)
        case "Slice": try slice(n, k)
        case "Pad" where isAveragePoolPadding(n): try paddedAveragePool(n, k)
        case "Pad": try pad(n, k)
        case "Softmax", "LogSoftmax": try softmax(n, k)
        case "LayerNormalization": try layerNormalization(n, k)
        case "Identity", "Dropout":
            try requireSingleOutput(n, k)
            guard let out = n.output.first else { throw ONNXError(.malformed, "\(label(n, k)): the node has no output") }
            // PyTorch shares equal initializers through Identity nodes: then the output is a constant.
            if let c = n.input.first.flatMap({ constants[$0] }) {
                var t = c
                t.name = out
                constants[out] = t
            } else {
                values[out] = try activation(n, k, 0)
            }
        case "Transpose" where n.input.first.map({ constants[$0] != nil }) ?? false:
            try transposeConstant(n, k)
        case "Constant":
            guard let a = attribute(n, "value"), a.hasT, let out = n.output.first else {
                throw ONNXError(.unsupported, "\(label(n, k)): only Constant nodes with a tensor 'value' attribute are supported")
            }
            var t = a.t
            t.name = out
            constants[out] = t
        default:
            throw unsupported(n, k)
        }
    }

    /// A transposed constant matrix (PyTorch writes bias-free Linear weights this way without
    /// constant folding); folded here, because prn layers hold their weights.
    mutating func transposeConstant(_ n: Onnx_NodeProto, _ k: Int) throws {
        guard let (name, t) = try constant(n, k, 0), let out = n.output.first else { return }
        let perm = ints(n, "perm") ?? [1, 0]
        guard t.rank == 2, perm == [1, 0] else {
            throw ONNXError(.unsupported, "\(label(n, k)): only 2-D constant transposes are supported ('\(name)' has shape \(t.shape), perm \(perm))")
        }
        let rows = t.shape[0], cols = t.shape[1]
        let flipped = Tensor(shape: [cols, rows])
        for r in 0..<rows { for c in 0..<cols { flipped[c * rows + r] = t[r * cols + c] } }
        constants[out] = ONNXTensors.proto(name, flipped)
    }

    /// Y = alpha * A * B' + beta * C with B' = B^T when transB = 1 (PyTorch's nn.Linear).
    mutating func gemm(_ n: Onnx_NodeProto, _ k: Int) throws {
        let x = try activation(n, k, 0)
        guard let (wName, w) = try constant(n, k, 1) else { return }
        guard int(n, "transA", default: 0) == 0 else {
            throw ONNXError(.unsupported, "\(label(n, k)): transA=1 is not supported (the input must be [batch, features])")
        }
        guard w.rank == 2 else { throw ONNXError(.unsupported, "\(label(n, k)): weight '\(wName)' has shape \(w.shape); Gemm needs a matrix") }
        let transB = int(n, "transB", default: 0) == 1
        let (out, inF) = transB ? (w.shape[0], w.shape[1]) : (w.shape[1], w.shape[0])
        try requireFeatures(x, inF, n, k, wName, w.shape)
        let bias = try constant(n, k, 2, required: false)
        let layer = Linear(inF, out, bias: bias != nil)
        let alpha = float(n, "alpha", default: 1), beta = float(n, "beta", default: 1)
        fillLinear(layer, w, transposed: !transB, scale: alpha)
        if let (bName, b) = bias { try fillBias(layer, b, name: bName, scale: beta, n, k) }
        try add(n, k, name: nodeName(n, k, weight: wName), layer, inputs: [x], shape: [out])
    }

    /// Y = A * B, B of shape [in, out]; an Add of a constant [out] right after becomes the bias.
    mutating func matMul(_ n: Onnx_NodeProto, _ k: Int) throws {
        let x = try activation(n, k, 0)
        guard let (wName, w) = try constant(n, k, 1) else { return }
        guard w.rank == 2 else { throw ONNXError(.unsupported, "\(label(n, k)): weight '\(wName)' has shape \(w.shape); prn imports MatMul by a matrix only") }
        let inF = w.shape[0], out = w.shape[1]
        try requireFeatures(x, inF, n, k, wName, w.shape)
        var biasAdd: (index: Int, bias: Tensor, name: String)?
        if let y = n.output.first, let r = readers[y], r.count == 1, graph.output.allSatisfy({ $0.name != y }) {
            let next = graph.node[r[0]]
            if next.opType == "Add", next.input.count == 2, next.domain.isEmpty {
                let other = next.input[0] == y ? next.input[1] : next.input[0]
                if let c = constants[other] {
                    let b = try ONNXTensors.floats(c, context: label(next, r[0]))
                    if b.count == out { biasAdd = (r[0], b, other) }
                }
            }
        }
        let layer = Linear(inF, out, bias: biasAdd != nil)
        fillLinear(layer, w, transposed: true, scale: 1)
        if let b = biasAdd {
            try fillBias(layer, b.bias, name: b.name, scale: 1, n, k)
            absorbed.insert(b.index)
            try add(n, k, name: nodeName(n, k, weight: wName), layer, inputs: [x], shape: [out],
                    output: graph.node[b.index].output.first)
        } else {
            try add(n, k, name: nodeName(n, k, weight: wName), layer, inputs: [x], shape: [out])
        }
    }

    func requireFeatures(_ x: ImportedValue, _ inF: Int, _ n: Onnx_NodeProto, _ k: Int, _ wName: String, _ shape: [Int]) throws {
        guard x.shape.count == 1 else {
            throw ONNXError(.unsupported, "\(label(n, k)): input has per-sample shape \(x.shape); a dense layer needs [batch, features] (put a Flatten before it)")
        }
        guard x.shape[0] == inF else {
            throw ONNXError(.unsupported, "\(label(n, k)): weight '\(wName)' of shape \(shape) expects \(inF) input features but the input has \(x.shape[0])")
        }
    }

    /// Copies a weight into prn's [out, in] layout (transposing an [in, out] matrix).
    func fillLinear(_ layer: Linear, _ w: Tensor, transposed: Bool, scale: Float) {
        let out = layer.outFeatures, inF = layer.inFeatures, dst = layer.weight.value
        for o in 0..<out {
            for i in 0..<inF { dst[o * inF + i] = scale * (transposed ? w[i * out + o] : w[o * inF + i]) }
        }
    }

    func fillBias(_ layer: Linear, _ b: Tensor, name: String, scale: Float, _ n: Onnx_NodeProto, _ k: Int) throws {
        guard let p = layer.bias else { return }
        let out = layer.outFeatures
        guard b.count == out || b.count == 1 else {
            throw ONNXError(.unsupported, "\(label(n, k)): bias '\(name)' has shape \(b.shape) but the layer has \(out) outputs")
        }
        for o in 0..<out { p.value[o] = scale * b[b.count == 1 ? 0 : o] }
    }

    /// Conv2d when the convolution is plain (one group, square kernel, one stride, symmetric
    /// padding, no dilation), else GeneralConv2d (groups, rectangular kernels, dilation).
    mutating func conv(_ n: Onnx_NodeProto, _ k: Int) throws {
        let x = try activation(n, k, 0)
        guard let (wName, w) = try constant(n, k, 1) else { return }
        let here = label(n, k)
        guard x.shape.count == 3 else { throw ONNXError(.unsupported, "\(here): input has per-sample shape \(x.shape); prn convolutions take [C, H, W]") }
        guard w.rank == 4 else { throw ONNXError(.unsupported, "\(here): weight '\(wName)' has shape \(w.shape); prn imports 2-D convolutions only") }
        let groups = int(n, "group", default: 1)
        guard groups >= 1, x.shape[0] % groups == 0, w.shape[0] % groups == 0, w.shape[1] * groups == x.shape[0] else {
            throw ONNXError(.unsupported, "\(here): weight '\(wName)' of shape \(w.shape) with group=\(groups) does not fit \(x.shape[0]) input channels")
        }
        let autoPad = attribute(n, "auto_pad").map { String(decoding: $0.s, as: UTF8.self) } ?? "NOTSET"
        guard autoPad == "NOTSET" || autoPad == "VALID" else {
            throw ONNXError(.unsupported, "\(here): auto_pad=\(autoPad) is not supported; export with explicit pads")
        }
        let kernel = [w.shape[2], w.shape[3]]
        guard (ints(n, "kernel_shape") ?? kernel) == kernel else {
            throw ONNXError(.unsupported, "\(here): kernel_shape \(ints(n, "kernel_shape") ?? []) disagrees with weight '\(wName)' of shape \(w.shape)")
        }
        let strides = ints(n, "strides") ?? [1, 1], dilations = ints(n, "dilations") ?? [1, 1]
        guard strides.count == 2, strides.allSatisfy({ $0 > 0 }), dilations.count == 2, dilations.allSatisfy({ $0 > 0 }) else {
            throw ONNXError(.unsupported, "\(here): strides \(strides) and dilations \(dilations) must be two positive numbers")
        }
        let pads = autoPad == "VALID" ? [0, 0, 0, 0] : (ints(n, "pads") ?? [0, 0, 0, 0])
        guard pads.count == 4, pads[0] == pads[2], pads[1] == pads[3], pads.allSatisfy({ $0 >= 0 }) else {
            throw ONNXError(.unsupported, "\(here): pads \(pads) are not the same on both sides of each axis; prn convolutions pad symmetrically")
        }
        let bias = try constant(n, k, 2, required: false)
        let plain = groups == 1 && kernel[0] == kernel[1] && strides[0] == strides[1] && pads[0] == pads[1] && dilations == [1, 1]
        let layer: Layer
        let weight: Parameter, biasParameter: Parameter?
        if plain {
            let c = Conv2d(w.shape[1], w.shape[0], kernel: kernel[0], stride: strides[0], padding: pads[0], bias: bias != nil)
            (layer, weight, biasParameter) = (c, c.weight, c.bias)
        } else {
            let c = GeneralConv2d(x.shape[0], w.shape[0], kernel: (kernel[0], kernel[1]), stride: (strides[0], strides[1]),
                                  padding: (pads[0], pads[1]), dilation: (dilations[0], dilations[1]), groups: groups, bias: bias != nil)
            (layer, weight, biasParameter) = (c, c.weight, c.bias)
        }
        weight.value.copy(from: w)
        if let (bName, b) = bias {
            guard b.count == w.shape[0], let p = biasParameter else {
                throw ONNXError(.unsupported, "\(here): bias '\(bName)' has shape \(b.shape) but the convolution has \(w.shape[0]) outputs")
            }
            p.value.copy(from: b)
        }
        let outShape: [Int]
        do { outShape = try layer.outputShape([x.shape]) } catch { throw ONNXError(.unsupported, "\(here): \(error)") }
        try add(n, k, name: nodeName(n, k, weight: wName), layer, inputs: [x], shape: outShape)
    }

    mutating func batchNorm(_ n: Onnx_NodeProto, _ k: Int) throws {
        let x = try activation(n, k, 0)
        let here = label(n, k)
        try requireSingleOutput(n, k)
        guard int(n, "training_mode", default: 0) == 0 else {
            throw ONNXError(.unsupported, "\(here): training_mode=1; export the model in eval mode (model.eval() before torch.onnx.export)")
        }
        guard int(n, "spatial", default: 1) == 1 else { throw ONNXError(.unsupported, "\(here): spatial=0 is not supported") }
        guard x.shape.count == 1 || x.shape.count == 3 else {
            throw ONNXError(.unsupported, "\(here): input has per-sample shape \(x.shape); prn normalises [C] or [C, H, W]")
        }
        let channels = x.shape[0]
        var tensors: [Tensor] = []
        for slot in 1...4 {
            guard let (name, t) = try constant(n, k, slot) else { return }
            guard t.count == channels else {
                throw ONNXError(.unsupported, "\(here): '\(name)' has \(t.count) values but the input has \(channels) channels")
            }
            tensors.append(t)
        }
        let eps = float(n, "epsilon", default: 1e-5)
        guard eps > 0 else { throw ONNXError(.malformed, "\(here): epsilon=\(eps) must be positive") }
        let momentum = Swift.min(1, Swift.max(0, 1 - float(n, "momentum", default: 0.9)))
        let layer = BatchNorm(channels, eps: eps, momentum: momentum)
        for (p, t) in zip([layer.weight, layer.bias, layer.runningMean, layer.runningVar], tensors) { p.value.copy(from: t) }
        try add(n, k, name: nodeName(n, k, weight: n.input[1]), layer, inputs: [x], shape: x.shape)
    }

    /// The square window, single stride and auto_pad of a MaxPool/AveragePool node whose input
    /// is [C, H, W], undilated; anything else is refused naming the node.
    func poolWindow(_ n: Onnx_NodeProto, _ k: Int, input x: ImportedValue) throws -> (kernel: Int, stride: Int, autoPad: String) {
        let here = label(n, k)
        try requireSingleOutput(n, k)
        guard x.shape.count == 3 else { throw ONNXError(.unsupported, "\(here): input has per-sample shape \(x.shape); pooling needs [C, H, W]") }
        guard let kernel = ints(n, "kernel_shape"), kernel.count == 2, kernel[0] == kernel[1], kernel[0] > 0 else {
            throw ONNXError(.unsupported, "\(here): kernel_shape \(ints(n, "kernel_shape") ?? []) is not a square window; prn pools square windows")
        }
        let strides = ints(n, "strides") ?? [1, 1]
        guard strides.count == 2, strides[0] == strides[1], strides[0] > 0 else {
            throw ONNXError(.unsupported, "\(here): strides \(strides) differ per axis; prn pools with one stride for both")
        }
        let autoPad = attribute(n, "auto_pad").map { String(decoding: $0.s, as: UTF8.self) } ?? "NOTSET"
        guard autoPad == "NOTSET" || autoPad == "VALID" else { throw ONNXError(.unsupported, "\(here): auto_pad=\(autoPad) is not supported") }
        guard (ints(n, "dilations") ?? [1, 1]).allSatisfy({ $0 == 1 }) else { throw ONNXError(.unsupported, "\(here): dilated pooling is not supported") }
        return (kernel[0], strides[0], autoPad)
    }

    mutating func pool(_ n: Onnx_NodeProto, _ k: Int) throws {
        let x = try activation(n, k, 0)
        let here = label(n, k)
        let (kernel, stride, autoPad) = try poolWindow(n, k, input: x)
        let pads = autoPad == "VALID" ? [0, 0, 0, 0] : (ints(n, "pads") ?? [0, 0, 0, 0])
        let ceil = int(n, "ceil_mode", default: 0) == 1
        guard pads.count == 4, Set(pads).count == 1, pads[0] >= 0, 2 * pads[0] <= kernel else {
            throw ONNXError(.unsupported, "\(here): pads \(pads) are not one padding of at most half the window on every side")
        }
        let layer: Layer
        if n.opType == "MaxPool" {
            layer = MaxPool2d(kernel: kernel, stride: stride, padding: pads[0], ceilMode: ceil)
        } else {
            layer = AvgPool2d(kernel: kernel, stride: stride, padding: pads[0], ceilMode: ceil,
                              countIncludePad: int(n, "count_include_pad", default: 0) == 1)
        }
        let outShape: [Int]
        do { outShape = try layer.outputShape([x.shape]) } catch { throw ONNXError(.unsupported, "\(here): \(error)") }
        try add(n, k, name: nodeName(n, k), layer, inputs: [x], shape: outShape)
    }

    /// Reshape to [batch, features] (a constant shape, or the batch size from Shape as
    /// x.view(x.size(0), -1) exports it) is a flatten; nothing else is accepted.
    mutating func reshape(_ n: Onnx_NodeProto, _ k: Int) throws {
        let x = try activation(n, k, 0)
        let here = label(n, k)
        let target = try reshapeTarget(n, k)
        let features = Int64(x.shape.reduce(1, *))
        let keepsBatch: Bool
        switch target.first {
        case .batch?, .size(0)?: keepsBatch = true
        case .size(-1)?: keepsBatch = target.count == 2 && target[1] == .size(features)
        case .size(let b)?: keepsBatch = b > 0
        case nil: keepsBatch = false
        }
        let flattens = target.count == 2 && keepsBatch && (target[1] == .size(features) || target[1] == .size(-1))
        guard flattens else {
            let shown = target.map { e -> String in if case .size(let v) = e { return "\(v)" } else { return "batch" } }
            throw ONNXError(.unsupported, "\(here): shape [\(shown.joined(separator: ", "))] is not a flatten to [batch, \(features)]; prn imports Reshape only as a flatten")
        }
        try add(n, k, name: nodeName(n, k), Flatten(), inputs: [x], shape: [Int(features)])
    }

    /// Concat of layer outputs along the channel axis (axis 1 of [batch, C, ...]).
    mutating func concat(_ n: Onnx_NodeProto, _ k: Int) throws {
        let xs = try n.input.indices.map { try activation(n, k, $0) }
        let rank = xs[0].shape.count + 1
        let axis = int(n, "axis", default: 1)
        guard axis == 1 || axis == 1 - rank else {
            throw ONNXError(.unsupported, "\(label(n, k)): axis=\(axis); prn concatenates layer outputs only along the channel axis (axis=1)")
        }
        let layer = ConcatChannels()
        let shape: [Int]
        do { shape = try layer.outputShape(xs.map(\.shape)) } catch { throw ONNXError(.unsupported, "\(label(n, k)): \(error)") }
        try add(n, k, name: nodeName(n, k), layer, inputs: xs, shape: shape)
    }

    /// Add of two activations of one shape (residual joins).
    mutating func residualAdd(_ n: Onnx_NodeProto, _ k: Int) throws {
        guard n.input.count == 2 else { throw ONNXError(.malformed, "\(label(n, k)): Add needs two inputs") }
        if n.input.contains(where: { constants[$0] != nil }) {
            throw ONNXError(.unsupported, "\(label(n, k)): adding a constant is supported only as the bias right after a MatMul of the same width")
        }
        let a = try activation(n, k, 0), b = try activation(n, k, 1)
        guard a.shape == b.shape else {
            throw ONNXError(.unsupported, "\(label(n, k)): inputs have shapes \(a.shape) and \(b.shape); prn adds tensors of one shape (no broadcasting)")
        }
        try add(n, k, name: nodeName(n, k), Add(), inputs: [a, b], shape: a.shape)
    }
}

import Engine
import Foundation
import SwiftProtobuf

/// Writes a prn model as an ONNX inference graph (opset 13, IR version 7).
///
/// The graph mirrors the model's nodes: Linear -> Gemm, Conv2d -> Conv, BatchNorm ->
/// BatchNormalization, SigmoidBatchNorm -> BatchNormalization with scale sigmoid(theta) and zero
/// shift (the same affine map), pools -> MaxPool/AveragePool/GlobalAveragePool(+Flatten),
/// Flatten, Add (Sum for more than two inputs), ShortcutA -> Slice (stride) + Pad (channels),
/// Softmax/LogSoftmax, LayerNorm -> PyTorch's opset-13 node chain for nn.LayerNorm;
/// Dropout is the identity at inference and is left out. Initializers keep prn's PyTorch-style
/// parameter names. Masked weights are written as their effective values (weight * mask), and a
/// physically pruned model is written at its reduced size. The batch dimension is symbolic.
public enum ONNXExport {
    public static let opset = 13
    /// metadata_props key naming the dataset the model was made for (its normalisation is in the graph).
    public static let datasetKey = "prn.data"
    /// Initializers of the input normalisation nodes, which import recognises by position, not name.
    static let inputMeanName = "prn.input_mean", inputStdName = "prn.input_std"
    static let irVersion: Int64 = 7

    /// The serialized model.
    public static func data(_ model: Model, producerVersion: String = "") throws -> Data {
        try proto(model, producerVersion: producerVersion).serializedData()
    }

    public static func write(_ model: Model, to url: URL, producerVersion: String = "") throws {
        let bytes = try data(model, producerVersion: producerVersion)
        do { try AtomicFile.write(to: url) { try $0.write(bytes) } } catch {
            throw ONNXError(.writeFailed, "\(url.path): cannot be written (\(error))")
        }
    }

    static func proto(_ model: Model, producerVersion: String) throws -> Onnx_ModelProto {
        let shapes: [[Int]]
        do { shapes = try model.shapes() } catch { throw ONNXError(.notExportable, "cannot export: the model's shapes do not check: \(error)") }
        var builder = GraphBuilder(model: model)
        builder.emitInputNormalization()
        for i in 1..<model.nodes.count { try builder.emit(i) }

        var graph = Onnx_GraphProto()
        graph.name = model.architecture
        graph.node = builder.nodes
        graph.initializer = builder.initializers
        graph.input = [valueInfo("input", shape: model.inputShape)]
        let outputShape = shapes[model.last]
        // The last node's value is renamed "logits" so consumers find the output by a stable name.
        let last = builder.valueName[model.last]
        if model.last == 0 {
            throw ONNXError(.notExportable, "cannot export: the model has no layer that computes something from its input")
        }
        for k in graph.node.indices {
            graph.node[k].output = graph.node[k].output.map { $0 == last ? "logits" : $0 }
            graph.node[k].input = graph.node[k].input.map { $0 == last ? "logits" : $0 }
        }
        graph.output = [valueInfo("logits", shape: outputShape)]

        var m = Onnx_ModelProto()
        m.irVersion = irVersion
        m.producerName = "prn"
        m.producerVersion = producerVersion
        var op = Onnx_OperatorSetIdProto()
        op.domain = ""
        op.version = Int64(opset)
        m.opsetImport = [op]
        m.graph = graph
        if let dataset = model.preprocessing?.dataset {
            var entry = Onnx_StringStringEntryProto()
            entry.key = ONNXExport.datasetKey
            entry.value = dataset
            m.metadataProps = [entry]
        }
        return m
    }

    static func valueInfo(_ name: String, shape: [Int]) -> Onnx_ValueInfoProto {
        var dims: [Onnx_TensorShapeProto.Dimension] = []
        var batch = Onnx_TensorShapeProto.Dimension()
        batch.dimParam = "batch"
        dims.append(batch)
        for s in shape {
            var d = Onnx_TensorShapeProto.Dimension()
            d.dimValue = Int64(s)
            dims.append(d)
        }
        var t = Onnx_TypeProto.Tensor()
        t.elemType = ONNXTensors.float
        t.shape.dim = dims
        var type = Onnx_TypeProto()
        type.tensorType = t
        var v = Onnx_ValueInfoProto()
        v.name = name
        v.type = type
        return v
    }
}

/// Accumulates ONNX nodes and initializers while walking the model's nodes in order.
struct GraphBuilder {
    let model: Model
    var nodes: [Onnx_NodeProto] = []
    var initializers: [Onnx_TensorProto] = []
    /// ONNX value computed by each prn node (index 0 is the graph input).
    var valueName: [String]

    init(model: Model) {
        self.model = model
        valueName = Array(repeating: "", count: model.nodes.count)
        valueName[0] = "input"
    }

    mutating func node(_ op: String, _ name: String, inputs: [String], output: String,
                       _ attributes: [Onnx_AttributeProto] = []) {
        var n = Onnx_NodeProto()
        n.opType = op
        n.name = name
        n.input = inputs
        n.output = [output]
        n.attribute = attributes
        nodes.append(n)
    }

    mutating func initializer(_ name: String, _ t: Tensor) -> String {
        initializers.append(ONNXTensors.proto(name, t))
        return name
    }

    /// The value as the forward pass sees it: masked entries are zero.
    static func effective(_ p: Parameter) -> Tensor {
        guard let m = p.mask, m.count == p.value.count else { return p.value }
        let t = p.value.copy()
        for i in 0..<t.count { t[i] *= m[i] }
        return t
    }

    /// The model's input normalisation as `Sub(mean)` then `Div(std)` on the graph input, so any
    /// runtime fed raw inputs computes what prn computes on its normalised data.
    mutating func emitInputNormalization() {
        guard let stats = model.preprocessing?.statistics else { return }
        let c = stats.mean.count
        // Per channel on axis 1 of [batch, C, H, W]; one value for all features of [batch, F].
        let shape = model.inputShape.count == 3 ? [1, c, 1, 1] : [1, 1]
        let mean = initializer(ONNXExport.inputMeanName, Tensor(shape: shape, values: stats.mean))
        let std = initializer(ONNXExport.inputStdName, Tensor(shape: shape, values: stats.std))
        node("Sub", "input_centre", inputs: ["input", mean], output: "input_centred")
        node("Div", "input_scale", inputs: ["input_centred", std], output: "input_normalized")
        valueName[0] = "input_normalized"
    }

    mutating func emit(_ i: Int) throws {
        let n = model.nodes[i]
        guard let layer = n.layer else { throw ONNXError(.notExportable, "cannot export: node \(n.name) has no layer") }
        let x = n.inputs.map { valueName[$0] }
        let out = n.name
        valueName[i] = out
        switch layer {
        case let l as Linear:
            var ins = [x[0], initializer(l.weight.name, Self.effective(l.weight))]
            if let b = l.bias { ins.append(initializer(b.name, Self.effective(b))) }
            node("Gemm", n.name, inputs: ins, output: out, [.int("transB", 1)])
        case let c as Conv2d:
            var ins = [x[0], initializer(c.weight.name, Self.effective(c.weight))]
            if let b = c.bias { ins.append(initializer(b.name, Self.effective(b))) }
            node("Conv", n.name, inputs: ins, output: out,
                 [.ints("kernel_shape", [c.kernel, c.kernel]), .ints("strides", [c.stride, c.stride]),
                  .ints("pads", Array(repeating: c.padding, count: 4)), .ints("dilations", [1, 1]), .int("group", 1)])
        case let c as GeneralConv2d:
            var ins = [x[0], initializer(c.weight.name, Self.effective(c.weight))]
            if let b = c.bias { ins.append(initializer(b.name, Self.effective(b))) }
            node("Conv", n.name, inputs: ins, output: out,
                 [.ints("kernel_shape", [c.kernel.h, c.kernel.w]), .ints("strides", [c.stride.h, c.stride.w]),
                  .ints("pads", [c.padding.h, c.padding.w, c.padding.h, c.padding.w]),
                  .ints("dilations", [c.dilation.h, c.dilation.w]), .int("group", c.groups)])
        case let b as BatchNorm:
            let ins = [x[0], initializer(b.weight.name, b.weight.value), initializer(b.bias.name, b.bias.value),
                       initializer(b.runningMean.name, b.runningMean.value), initializer(b.runningVar.name, b.runningVar.value)]
            node("BatchNormalization", n.name, inputs: ins, output: out,
                 [.float("epsilon", b.eps), .float("momentum", 1 - b.momentum)])
        case let b as SigmoidBatchNorm:
            let gates = Tensor(shape: [b.channels], values: b.importances)
            let ins = [x[0], initializer(b.weight.name, gates), initializer(n.name + ".bias", Tensor(shape: [b.channels])),
                       initializer(b.runningMean.name, b.runningMean.value), initializer(b.runningVar.name, b.runningVar.value)]
            node("BatchNormalization", n.name, inputs: ins, output: out,
                 [.float("epsilon", b.eps), .float("momentum", 1 - b.momentum)])
        case is ReLU:
            node("Relu", n.name, inputs: x, output: out)
        case is ElementwiseActivation:
            try activation(layer, n.name, input: x[0], output: out)
        case let p as MaxPool2d:
            node("MaxPool", n.name, inputs: x, output: out,
                 [.ints("kernel_shape", [p.kernel, p.kernel]), .ints("strides", [p.stride, p.stride]),
                  .ints("pads", Array(repeating: p.padding, count: 4)), .int("ceil_mode", p.ceilMode ? 1 : 0)])
        case let p as AvgPool2d:
            node("AveragePool", n.name, inputs: x, output: out,
                 [.ints("kernel_shape", [p.kernel, p.kernel]), .ints("strides", [p.stride, p.stride]),
                  .ints("pads", Array(repeating: p.padding, count: 4)), .int("ceil_mode", p.ceilMode ? 1 : 0),
                  .int("count_include_pad", p.countIncludePad ? 1 : 0)])
        case let s as Softmax:
            node(s.log ? "LogSoftmax" : "Softmax", n.name, inputs: x, output: out, [.int("axis", -1)])
        case let l as LayerNorm:
            layerNorm(l, n.name, input: x[0], output: out)
        case let p as GlobalAvgPool where p.keepDims:
            node("GlobalAveragePool", n.name, inputs: x, output: out)
        case is GlobalAvgPool:
            // ONNX keeps the 1x1 spatial dimensions; prn's pool drops them.
            node("GlobalAveragePool", n.name, inputs: x, output: out + ".pooled")
            node("Flatten", n.name + ".flatten", inputs: [out + ".pooled"], output: out, [.int("axis", 1)])
        case is Flatten:
            node("Flatten", n.name, inputs: x, output: out, [.int("axis", 1)])
        case is Dropout:
            valueName[i] = x[0]
        case is ConcatChannels:
            node("Concat", n.name, inputs: x, output: out, [.int("axis", 1)])
        case is Add:
            node(x.count == 2 ? "Add" : "Sum", n.name, inputs: x, output: out)
        case is Multiply:
            // A [C, 1, 1] gate broadcasts over [batch, C, H, W] as in PyTorch's x * s.
            node("Mul", n.name, inputs: x, output: out)
        case let s as ShortcutA:
            try shortcut(s, n.name, input: x[0], output: out)
        default:
            throw ONNXError(.notExportable, "cannot export node \(n.name): layer kind '\(layer.kind)' has no ONNX equivalent in prn's exporter")
        }
    }

    /// y = pad(x[:, :, ::s, ::s]) on the channel axis, as Slice + Pad (opset 13 inputs).
    mutating func shortcut(_ s: ShortcutA, _ name: String, input: String, output: String) throws {
        var current = input
        let needsPad = s.padBefore + s.padAfter > 0
        if s.stride > 1 {
            let sliced = needsPad ? name + ".sliced" : output
            initializers.append(ONNXTensors.int64Proto(name + ".starts", [0, 0]))
            initializers.append(ONNXTensors.int64Proto(name + ".ends", [Int64.max, Int64.max]))
            initializers.append(ONNXTensors.int64Proto(name + ".axes", [2, 3]))
            initializers.append(ONNXTensors.int64Proto(name + ".steps", [Int64(s.stride), Int64(s.stride)]))
            node("Slice", name + ".slice", inputs: [current, name + ".starts", name + ".ends", name + ".axes", name + ".steps"],
                 output: sliced)
            current = sliced
        }
        if needsPad {
            initializers.append(ONNXTensors.int64Proto(name + ".pads", [0, Int64(s.padBefore), 0, 0, 0, Int64(s.padAfter), 0, 0]))
            node("Pad", name + ".pad", inputs: [current, name + ".pads"], output: output, [.string("mode", "constant")])
        } else if s.stride == 1 {
            node("Identity", name, inputs: [current], output: output)
        }
    }

    /// LayerNormalization has no operator before opset 17: written as the nodes PyTorch's
    /// exporter emits for nn.LayerNorm at opset 13, which the importer folds back into one layer.
    mutating func layerNorm(_ l: LayerNorm, _ name: String, input x: String, output out: String) {
        let axes = [.ints("axes", Array(-l.normalizedShape.count ... -1)), .int("keepdims", 1)] as [Onnx_AttributeProto]
        node("ReduceMean", name + ".mean", inputs: [x], output: name + ".mean", axes)
        node("Sub", name + ".centre", inputs: [x, name + ".mean"], output: name + ".centred")
        node("Pow", name + ".square", inputs: [name + ".centred", scalar(name + ".two", 2)], output: name + ".square")
        node("ReduceMean", name + ".var", inputs: [name + ".square"], output: name + ".var", axes)
        node("Add", name + ".var_eps", inputs: [name + ".var", scalar(name + ".eps", l.eps)], output: name + ".var_eps")
        node("Sqrt", name + ".std", inputs: [name + ".var_eps"], output: name + ".std")
        node("Div", name + ".normalize", inputs: [name + ".centred", name + ".std"], output: name + ".normalized")
        node("Mul", name + ".scale", inputs: [name + ".normalized", initializer(l.weight.name, Self.effective(l.weight))],
             output: name + ".scaled")
        node("Add", name, inputs: [name + ".scaled", initializer(l.bias.name, Self.effective(l.bias))], output: out)
    }

    /// A scalar float initializer (Clip bounds, the constants of the GELU pattern).
    mutating func scalar(_ name: String, _ v: Float) -> String {
        initializers.append(ONNXTensors.proto(name, Tensor(shape: [1], values: [v]), shape: []))
        return name
    }

    /// The activations in opset 13: HardSwish, SiLU and GELU have no operator there, so they are
    /// written as the patterns PyTorch's exporter emits, which the importer folds back into one layer.
    mutating func activation(_ layer: Layer, _ name: String, input x: String, output out: String) throws {
        switch layer {
        case is Sigmoid: node("Sigmoid", name, inputs: [x], output: out)
        case is Tanh: node("Tanh", name, inputs: [x], output: out)
        case let l as LeakyReLU: node("LeakyRelu", name, inputs: [x], output: out, [.float("alpha", l.alpha)])
        case let c as Clip:
            node("Clip", name, inputs: [x, scalar(name + ".min", c.min), scalar(name + ".max", c.max)], output: out)
        case let h as HardSigmoid:
            node("HardSigmoid", name, inputs: [x], output: out, [.float("alpha", h.alpha), .float("beta", h.beta)])
        case is HardSwish:
            node("HardSigmoid", name + ".gate", inputs: [x], output: name + ".gate", [.float("alpha", 1.0 / 6), .float("beta", 0.5)])
            node("Mul", name, inputs: [x, name + ".gate"], output: out)
        case is SiLU:
            node("Sigmoid", name + ".gate", inputs: [x], output: name + ".gate")
            node("Mul", name, inputs: [x, name + ".gate"], output: out)
        case is GELU:
            node("Div", name + ".div", inputs: [x, scalar(name + ".sqrt2", Float(2).squareRoot())], output: name + ".div")
            node("Erf", name + ".erf", inputs: [name + ".div"], output: name + ".erf")
            node("Add", name + ".add", inputs: [name + ".erf", scalar(name + ".one", 1)], output: name + ".add")
            node("Mul", name + ".mul", inputs: [x, name + ".add"], output: name + ".mul")
            node("Mul", name, inputs: [name + ".mul", scalar(name + ".half", 0.5)], output: out)
        default:
            throw ONNXError(.notExportable, "cannot export node \(name): activation '\(layer.kind)' has no ONNX form in prn's exporter")
        }
    }
}

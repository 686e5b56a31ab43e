import Engine
import Foundation
import SwiftProtobuf

/// Reads an ONNX inference graph (for example one exported by `torch.onnx.export`) into a prn
/// model, so a network trained elsewhere can be pruned here.
///
/// Every node becomes a prn layer (see `supportedOperators`); MatMul followed by Add of a
/// constant becomes one Linear with bias, PyTorch's multi-node forms of SiLU, HardSwish and
/// GELU become one activation, and a squeeze-excite block's Mul of a feature map by its
/// per-channel gate becomes one `Multiply`. Shape arithmetic (Shape/Gather/Unsqueeze/Concat) is
/// followed only as far as a Reshape target. Parameters take PyTorch-style names from the weight initializers
/// (`features.0.weight` -> node `features.0`); nodes without a named weight keep their ONNX node
/// name. Anything else (other operators, asymmetric padding, dynamic sample shapes) is refused
/// with the node's name and operator.
public enum ONNXImport {
    public static let supportedOperators = [
        "Add", "AveragePool", "BatchNormalization", "Clip", "Concat", "Constant", "Conv", "Dropout", "Flatten", "Gather",
        "Gelu", "Gemm", "GlobalAveragePool", "HardSigmoid", "HardSwish", "Identity", "LayerNormalization", "LeakyRelu",
        "LogSoftmax", "MatMul", "MaxPool", "Mul", "Pad", "ReduceMean", "Relu", "Reshape", "Shape", "Sigmoid", "Slice",
        "Softmax", "Sub", "Tanh", "Unsqueeze",
    ]

    /// What the graph's output must be: a classifier's scores ([batch, classes]) for a model prn
    /// trains, prunes and evaluates, or any per-sample shape for a model that is only run forward
    /// (`prn bench --model` times a lone convolution or a feature extractor as well).
    public enum Output: Sendable {
        case classifier
        case anyShape
    }

    public static func load(from url: URL, output: Output = .classifier) throws -> Model {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ONNXError(.missingFile, "\(url.path): file not found; check the path")
        }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ONNXError(.unreadable, "\(url.path): cannot be read (\(error.localizedDescription))")
        }
        return try model(from: data, source: url.path, output: output)
    }

    /// Decodes serialized ModelProto bytes; `source` names the model in error messages.
    public static func model(from data: Data, source: String, output: Output = .classifier) throws -> Model {
        let proto: Onnx_ModelProto
        do { proto = try Onnx_ModelProto(serializedBytes: data) } catch {
            throw ONNXError(.malformed, "\(source): not an ONNX model (protobuf decoding failed: \(error)); export it with torch.onnx.export or onnx.save")
        }
        guard proto.hasGraph else { throw ONNXError(.malformed, "\(source): the ONNX model has no graph") }
        let opsets = proto.opsetImport.filter { $0.domain.isEmpty || $0.domain == "ai.onnx" }
        guard let opset = opsets.first?.version else {
            throw ONNXError(.malformed, "\(source): the model imports no version of the standard ONNX operator set")
        }
        guard opset >= 7 else {
            throw ONNXError(.unsupported, "\(source): opset \(opset) is older than 7, the oldest prn reads; re-export with opset_version=13")
        }
        var importer = try GraphImporter(graph: proto.graph, source: source)
        let model = try importer.run(output: output)
        // An imported model reads raw inputs unless its graph starts by normalising them.
        let dataset = proto.metadataProps.first { $0.key == ONNXExport.datasetKey }?.value
        model.preprocessing = InputPreprocessing(statistics: importer.inputStatistics, dataset: dataset)
        return model
    }
}

/// One ONNX value as prn sees it: the prn node computing it and its per-sample ONNX shape.
struct ImportedValue {
    let node: Int
    let shape: [Int]
}

struct GraphImporter {
    let graph: Onnx_GraphProto
    let source: String
    let model: Model
    /// Initializers and Constant outputs, by value name.
    var constants: [String: Onnx_TensorProto] = [:]
    var values: [String: ImportedValue] = [:]
    /// Shapes computed in the graph (Shape/Gather/Unsqueeze/Concat), followed for Reshape.
    var shapeValues: [String: ShapeValue] = [:]
    /// ONNX nodes already folded into an earlier one (the Add after a MatMul).
    var absorbed = Set<Int>()
    /// Which ONNX nodes read each value.
    let readers: [String: [Int]]
    /// Input normalisation found at the graph's start (see ONNXImportInputNormalization.swift).
    var inputMean: [Float]?
    var inputStd: [Float]?

    init(graph: Onnx_GraphProto, source: String) throws {
        self.graph = graph
        self.source = source
        var known: [String: Onnx_TensorProto] = [:]
        for t in graph.initializer { known[t.name] = t }
        constants = known
        let inputs = graph.input.filter { known[$0.name] == nil }
        guard inputs.count == 1, let input = inputs.first else {
            throw ONNXError(.unsupported, "\(source): the graph has \(inputs.count) inputs (\(inputs.map(\.name).joined(separator: ", "))); prn imports models with exactly one input")
        }
        let sample = try Self.sampleShape(input, source: source)
        model = Model(inputShape: sample, classes: 1, architecture: "onnx")
        values[input.name] = ImportedValue(node: 0, shape: sample)
        var readers: [String: [Int]] = [:]
        for (k, n) in graph.node.enumerated() { for name in n.input where !name.isEmpty { readers[name, default: []].append(k) } }
        self.readers = readers
    }

    /// The input's dimensions after the batch dimension, which must be fixed numbers.
    static func sampleShape(_ v: Onnx_ValueInfoProto, source: String) throws -> [Int] {
        guard case .tensorType(let t)? = v.type.value else {
            throw ONNXError(.unsupported, "\(source): graph input '\(v.name)' is not a tensor")
        }
        guard t.elemType == ONNXTensors.float else {
            throw ONNXError(.unsupported, "\(source): graph input '\(v.name)' has element type \(ONNXTensors.typeName(t.elemType)); prn models take float32 input")
        }
        let dims = t.shape.dim
        guard dims.count >= 2 else {
            throw ONNXError(.unsupported, "\(source): graph input '\(v.name)' has \(dims.count) dimensions; prn needs [batch, features] or [batch, C, H, W]")
        }
        var shape: [Int] = []
        for (i, d) in dims.enumerated().dropFirst() {
            guard case .dimValue(let n)? = d.value, n > 0, n <= 1 << 20 else {
                throw ONNXError(.unsupported, "\(source): graph input '\(v.name)' dimension \(i) is not a fixed size (\(d.dimParam.isEmpty ? "unknown" : d.dimParam)); only the batch dimension may vary. Export with a fixed sample shape")
            }
            shape.append(Int(n))
        }
        return shape
    }

    mutating func run(output: ONNXImport.Output) throws -> Model {
        for (k, n) in graph.node.enumerated() where !absorbed.contains(k) {
            guard n.domain.isEmpty || n.domain == "ai.onnx" else { throw unsupported(n, k) }
            try convert(n, k)
        }
        guard graph.output.count == 1, let out = graph.output.first else {
            throw ONNXError(.unsupported, "\(source): the graph has \(graph.output.count) outputs; prn imports models with exactly one output (the logits)")
        }
        guard let v = values[out.name] else {
            throw ONNXError(.malformed, "\(source): graph output '\(out.name)' is not computed by any node")
        }
        guard v.node == model.last, v.node > 0 else {
            throw ONNXError(.unsupported, "\(source): graph output '\(out.name)' is not the last computed value; prn models end in their output")
        }
        let shapes: [[Int]]
        do { shapes = try model.shapes() } catch {
            throw ONNXError(.unsupported, "\(source): the imported graph's shapes do not check: \(error)")
        }
        guard let last = shapes.last else {
            throw ONNXError(.malformed, "\(source): the graph computes nothing")
        }
        if output == .anyShape {
            // Nothing reads the class count of a model that is only run forward; the output's
            // size per sample keeps it a positive number like every other model's.
            model.classes = last.reduce(1, *)
            return model
        }
        guard last.count == 1 else {
            throw ONNXError(.unsupported, "\(source): the output has per-sample shape \(last); prn trains and prunes classifiers, whose output is one score per class ([batch, classes]). `prn bench --model` times a model with any output")
        }
        model.classes = last[0]
        return model
    }

    // MARK: helpers for the operator conversions

    func label(_ n: Onnx_NodeProto, _ k: Int) -> String {
        "\(source): node '\(n.name.isEmpty ? "#\(k)" : n.name)' (\(n.opType))"
    }

    func unsupported(_ n: Onnx_NodeProto, _ k: Int) -> ONNXError {
        let op = n.domain.isEmpty ? n.opType : "\(n.domain).\(n.opType)"
        return ONNXError(.unsupported, "\(label(n, k)): operator \(op) is not supported; prn imports \(ONNXImport.supportedOperators.joined(separator: ", ")).")
    }

    /// The activation a node reads at `slot`.
    func activation(_ n: Onnx_NodeProto, _ k: Int, _ slot: Int) throws -> ImportedValue {
        guard slot < n.input.count, !n.input[slot].isEmpty else {
            throw ONNXError(.malformed, "\(label(n, k)): input \(slot) is missing")
        }
        let name = n.input[slot]
        if let v = values[name] { return v }
        if shapeValues[name] != nil {
            throw ONNXError(.unsupported, "\(label(n, k)): input \(slot) ('\(name)') is a computed shape; prn uses computed shapes only as Reshape targets")
        }
        if constants[name] != nil {
            throw ONNXError(.unsupported, "\(label(n, k)): input \(slot) ('\(name)') is a constant where prn needs the output of an earlier layer")
        }
        throw ONNXError(.malformed, "\(label(n, k)): input '\(name)' is produced by no earlier node and held by no initializer; the graph is incomplete or not in topological order")
    }

    /// The constant a node reads at `slot`, nil when the optional input is absent.
    func constant(_ n: Onnx_NodeProto, _ k: Int, _ slot: Int, required: Bool = true) throws -> (name: String, tensor: Tensor)? {
        guard slot < n.input.count, !n.input[slot].isEmpty else {
            if required { throw ONNXError(.malformed, "\(label(n, k)): input \(slot) is missing") }
            return nil
        }
        let name = n.input[slot]
        guard let t = constants[name] else {
            throw ONNXError(.unsupported, "\(label(n, k)): input \(slot) ('\(name)') must be an initializer or Constant (prn layers hold their weights); it is computed at run time")
        }
        // Folded constants keep the name of the initializer they came from ("fc.weight").
        return (t.name.isEmpty ? name : t.name, try ONNXTensors.floats(t, context: label(n, k)))
    }

    func attribute(_ n: Onnx_NodeProto, _ name: String) -> Onnx_AttributeProto? {
        n.attribute.first { $0.name == name }
    }

    func ints(_ n: Onnx_NodeProto, _ name: String) -> [Int]? {
        attribute(n, name).map { $0.ints.map { Int($0) } }
    }

    func int(_ n: Onnx_NodeProto, _ name: String, default d: Int) -> Int {
        attribute(n, name).map { Int($0.i) } ?? d
    }

    func float(_ n: Onnx_NodeProto, _ name: String, default d: Float) -> Float {
        attribute(n, name)?.f ?? d
    }

    /// A prn node name: the weight initializer's module path when it has one, else the ONNX
    /// node's name, else operator and position; made unique.
    func nodeName(_ n: Onnx_NodeProto, _ k: Int, weight: String? = nil) -> String {
        var base = ""
        if let w = weight, w.hasSuffix(".weight"), w.count > 7 { base = String(w.dropLast(7)) }
        if base.isEmpty { base = Self.torchModulePath(n.name) ?? "" }
        if base.isEmpty { base = n.name.isEmpty ? "\(n.opType.lowercased())_\(k)" : n.name }
        var name = base, suffix = 2
        while name == "input" || model.node(named: name) != nil { name = "\(base)_\(suffix)"; suffix += 1 }
        return name
    }

    /// The module path in PyTorch's ONNX node names: "/layer1/layer1.0/conv1/Conv" ->
    /// "layer1.0.conv1", "/fc/MatMul" -> "fc"; nil for names of another shape.
    static func torchModulePath(_ name: String) -> String? {
        guard name.hasPrefix("/") else { return nil }
        let parts = name.split(separator: "/").dropLast()
        var path = ""
        for p in parts {
            path = path.isEmpty || p.hasPrefix(path + ".") ? String(p) : path + "." + p
        }
        return path.isEmpty ? nil : path
    }

    /// Adds a prn layer reading `inputs` and records its output value under the node's first output.
    mutating func add(_ n: Onnx_NodeProto, _ k: Int, name: String, _ layer: Layer, inputs: [ImportedValue],
                      shape: [Int], output: String? = nil) throws {
        guard let out = output ?? n.output.first, !out.isEmpty else {
            throw ONNXError(.malformed, "\(label(n, k)): the node has no output")
        }
        let index = model.add(name, layer, inputs: inputs.map(\.node))
        values[out] = ImportedValue(node: index, shape: shape)
    }

    /// Only the first output of a node may be read (BatchNormalization's and MaxPool's extra
    /// outputs are training or index results prn does not compute).
    func requireSingleOutput(_ n: Onnx_NodeProto, _ k: Int) throws {
        for extra in n.output.dropFirst() where !extra.isEmpty && (readers[extra] != nil || graph.output.contains { $0.name == extra }) {
            throw ONNXError(.unsupported, "\(label(n, k)): output '\(extra)' is used, but prn computes only the first output of \(n.opType)")
        }
    }
}

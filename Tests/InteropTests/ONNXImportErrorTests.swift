import Engine
import Foundation
import ONNX
import Runtime
import XCTest

/// Graphs prn refuses, each with a message that names the node, the operator and the way out.
final class ONNXImportErrorTests: XCTestCase {
    private func tensorValue(_ name: String, _ dims: [Int64]) -> Onnx_ValueInfoProto {
        var t = Onnx_TypeProto.Tensor()
        t.elemType = 1
        t.shape.dim = dims.map { var d = Onnx_TensorShapeProto.Dimension(); d.dimValue = $0; return d }
        var type = Onnx_TypeProto()
        type.tensorType = t
        var v = Onnx_ValueInfoProto()
        v.name = name
        v.type = type
        return v
    }

    private func node(_ op: String, _ name: String, _ inputs: [String], _ output: String,
                      ints: [String: [Int64]] = [:]) -> Onnx_NodeProto {
        var n = Onnx_NodeProto()
        n.opType = op
        n.name = name
        n.input = inputs
        n.output = [output]
        for (k, v) in ints.sorted(by: { $0.key < $1.key }) {
            var a = Onnx_AttributeProto()
            a.name = k
            a.type = .ints
            a.ints = v
            n.attribute.append(a)
        }
        return n
    }

    private func floats(_ name: String, _ dims: [Int64]) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dataType = 1
        t.dims = dims
        t.floatData = Array(repeating: 0.5, count: Int(dims.reduce(1, *)))
        return t
    }

    private func model(_ nodes: [Onnx_NodeProto], initializers: [Onnx_TensorProto] = [],
                       input: [Int64] = [1, 4], output: String = "y") throws -> Data {
        var g = Onnx_GraphProto()
        g.node = nodes
        g.initializer = initializers
        g.input = [tensorValue("x", input)]
        g.output = [tensorValue(output, [1, 2])]
        var m = Onnx_ModelProto()
        m.irVersion = 7
        var op = Onnx_OperatorSetIdProto()
        op.version = 13
        m.opsetImport = [op]
        m.graph = g
        return try m.serializedData()
    }

    private func message(_ data: Data) -> String {
        do { _ = try ONNXImport.model(from: data, source: "m.onnx"); return "" } catch { return "\(error)" }
    }

    private func kind(_ data: Data) -> ONNXError.Kind? {
        do { _ = try ONNXImport.model(from: data, source: "m.onnx"); return nil } catch { return (error as? ONNXError)?.kind }
    }

    func testUnsupportedOperatorIsNamedWithTheSupportedList() throws {
        let text = message(try model([node("Einsum", "act", ["x"], "y")]))
        XCTAssertTrue(text.contains("node 'act' (Einsum)"), text)
        XCTAssertTrue(text.contains("operator Einsum is not supported"), text)
        XCTAssertTrue(text.contains("Gemm, GlobalAveragePool"), text)
        XCTAssertEqual(kind(try model([node("Einsum", "act", ["x"], "y")])), .unsupported)
    }

    /// A ReduceMean that is not PyTorch's LayerNorm chain, a softmax over an image and a layer
    /// norm over the batch are refused, saying what prn imports.
    func testNormalizationsOutsideTheirFormsAreRefused() throws {
        let mean = node("ReduceMean", "/pool/ReduceMean", ["x"], "y", ints: ["axes": [-1]])
        let text = message(try model([mean]))
        XCTAssertTrue(text.contains("node '/pool/ReduceMean' (ReduceMean)") && text.contains("opset_version=17"), text)
        let softmax = message(try model([node("Softmax", "sm", ["x"], "y")], input: [1, 2, 3, 3]))
        XCTAssertTrue(softmax.contains("node 'sm' (Softmax)") && softmax.contains("[batch, features] only"), softmax)
        var norm = node("LayerNormalization", "ln", ["x", "w"], "y")
        var axis = Onnx_AttributeProto(); axis.name = "axis"; axis.type = .int; axis.i = 0
        norm.attribute = [axis]
        let ln = message(try model([norm], initializers: [floats("w", [4])]))
        XCTAssertTrue(ln.contains("node 'ln' (LayerNormalization)") && ln.contains("trailing dimensions after the batch"), ln)
    }

    func testComputedShapeIsAcceptedOnlyAsAReshapeTarget() throws {
        let text = message(try model([node("Shape", "/Shape", ["x"], "s"), node("Relu", "r", ["s"], "y")]))
        XCTAssertTrue(text.contains("node 'r' (Relu)") && text.contains("is a computed shape"), text)
    }

    func testReshapeChainOfViewBecomesAFlatten() throws {
        var gather = node("Gather", "g", ["s", "zero"], "n")
        var axis = Onnx_AttributeProto(); axis.name = "axis"; axis.type = .int; axis.i = 0
        gather.attribute = [axis]
        var zero = ONNXTensorsForTests.int64("zero", [0]); zero.dims = []
        let nodes = [node("Shape", "sh", ["x"], "s"), gather, node("Unsqueeze", "u", ["n", "axes"], "n1"),
                     node("Concat", "c", ["n1", "minus1"], "shape"), node("Reshape", "r", ["x", "shape"], "y")]
        var cat = nodes
        var a = Onnx_AttributeProto(); a.name = "axis"; a.type = .int; a.i = 0
        cat[3].attribute = [a]
        let inits = [zero, ONNXTensorsForTests.int64("axes", [0]), ONNXTensorsForTests.int64("minus1", [-1])]
        let m = try ONNXImport.model(from: try model(cat, initializers: inits, input: [1, 2, 3, 2]), source: "m.onnx")
        XCTAssertTrue(m.nodes.last?.layer is Flatten)
        XCTAssertEqual(m.classes, 12)
        // A target that keeps more than the batch dimension is not a flatten.
        cat[3].input = ["n1", "three", "minus1"]
        let text = message(try model(cat, initializers: inits + [ONNXTensorsForTests.int64("three", [3])], input: [1, 2, 3, 2]))
        XCTAssertTrue(text.contains("shape [batch, 3, -1] is not a flatten to [batch, 12]"), text)
    }

    func testWeightShapeMismatchNamesTheInitializer() throws {
        var gemm = node("Gemm", "fc", ["x", "fc.weight"], "y")
        var t = Onnx_AttributeProto(); t.name = "transB"; t.type = .int; t.i = 1
        gemm.attribute = [t]
        let text = message(try model([gemm], initializers: [floats("fc.weight", [2, 5])]))
        XCTAssertTrue(text.contains("'fc.weight'") && text.contains("expects 5 input features but the input has 4"), text)
    }

    func testMissingInputIsReported() throws {
        let text = message(try model([node("Gemm", "fc", ["x", "nowhere"], "y")]))
        XCTAssertTrue(text.contains("input 1 ('nowhere') must be an initializer"), text)
    }

    func testAsymmetricConvPaddingIsRefused() throws {
        let conv = node("Conv", "c", ["x", "w"], "y", ints: ["pads": [0, 0, 1, 1]])
        let text = message(try model([conv], initializers: [floats("w", [2, 1, 3, 3])], input: [1, 1, 6, 6]))
        XCTAssertTrue(text.contains("pads [0, 0, 1, 1] are not the same on both sides of each axis"), text)
    }

    /// Mul imports as a squeeze-excite gate ([C, H, W] times [C, 1, 1], either order) or as a
    /// product of two activations of one shape; a constant factor or another broadcast is refused.
    func testMulImportsAsAGateOrSameShapeProductOnly() throws {
        let gated = try ONNXImport.model(from: try model([node("GlobalAveragePool", "pool", ["x"], "p"),
                                                          node("Mul", "se", ["p", "x"], "m"), node("Flatten", "f", ["m"], "y")],
                                                         input: [1, 2, 3, 3]), source: "m.onnx")
        XCTAssertTrue(gated.nodes[2].layer is Multiply)
        XCTAssertEqual((gated.nodes[1].layer as? GlobalAvgPool)?.keepDims, true, "a pool read by Mul keeps its 1x1 dimensions")
        XCTAssertEqual(gated.nodes[2].inputs, [0, 1], "the map comes first, the gate second")
        XCTAssertEqual(gated.classes, 18)
        let squared = try ONNXImport.model(from: try model([node("Relu", "r", ["x"], "h"), node("Mul", "sq", ["x", "h"], "y")]),
                                           source: "m.onnx")
        XCTAssertTrue(squared.nodes.last?.layer is Multiply)
        let constant = message(try model([node("Mul", "scale", ["x", "c"], "y")], initializers: [floats("c", [4])]))
        XCTAssertTrue(constant.contains("node 'scale' (Mul)") && constant.contains("multiplying by the constant 'c' is not supported"), constant)
        var gemm = node("Gemm", "fc", ["x", "w"], "h")
        var t = Onnx_AttributeProto(); t.name = "transB"; t.type = .int; t.i = 1
        gemm.attribute = [t]
        let broadcast = message(try model([gemm, node("Mul", "m", ["x", "h"], "y")], initializers: [floats("w", [2, 4])]))
        XCTAssertTrue(broadcast.contains("node 'm' (Mul): inputs have per-sample shapes [4] and [2]"), broadcast)
        let channels = message(try model([node("ReduceMean", "mean", ["x"], "y", ints: ["axes": [1]])], input: [1, 2, 3, 3]))
        XCTAssertTrue(channels.contains("node 'mean' (ReduceMean): axes [1]") && channels.contains("over the spatial axes [2, 3]"), channels)
    }

    func testGarbageIsNotAModel() {
        let text = message(Data([0xFF, 0x13, 0x07, 0x01]))
        XCTAssertTrue(text.contains("not an ONNX model"), text)
        XCTAssertEqual(kind(Data([0xFF, 0x13, 0x07, 0x01])), .malformed)
    }

    func testRaggedInitializerDataIsCorrupt() throws {
        var w = floats("fc.weight", [2, 4])
        w.floatData.removeLast()
        var gemm = node("Gemm", "fc", ["x", "fc.weight"], "y")
        var t = Onnx_AttributeProto(); t.name = "transB"; t.type = .int; t.i = 1
        gemm.attribute = [t]
        let text = message(try model([gemm], initializers: [w]))
        XCTAssertTrue(text.contains("holds 7 values"), text)
    }

    func testMatMulWithBiasAddBecomesOneLinear() throws {
        let data = try model([node("MatMul", "mm", ["x", "W"], "h"), node("Add", "add", ["h", "b"], "y")],
                             initializers: [floats("W", [4, 2]), floats("b", [2])])
        let m = try ONNXImport.model(from: data, source: "m.onnx")
        XCTAssertEqual(m.nodes.count, 2)
        let fc = try XCTUnwrap(m.nodes[1].layer as? Linear)
        XCTAssertEqual(fc.bias?.value.array, [0.5, 0.5])
        XCTAssertEqual(m.forward(Tensor(shape: [1, 4], values: [1, 1, 1, 1]), mode: .eval).array, [2.5, 2.5])
    }

    /// A graph whose output is not a classifier's scores (here a lone convolution's feature map)
    /// is refused for training and pruning, with the way to time it; `prn bench --model` times it.
    func testAnOutputOfAnyShapeIsTimedButNotTrained() throws {
        let data = try model([node("Conv", "conv", ["x", "w"], "y", ints: ["kernel_shape": [3, 3], "pads": [1, 1, 1, 1]])],
                             initializers: [floats("w", [3, 2, 3, 3])], input: [1, 2, 6, 6])
        let text = message(data)
        XCTAssertTrue(text.contains("per-sample shape [3, 6, 6]") && text.contains("prn bench --model"), text)
        let m = try ONNXImport.model(from: data, source: "m.onnx", output: .anyShape)
        let y = m.forward(Tensor(shape: [2, 2, 6, 6], values: Array(repeating: 1, count: 144)), mode: .eval)
        XCTAssertEqual(y.shape, [2, 3, 6, 6])
        XCTAssertEqual(y.array[7], 0.5 * 18, accuracy: 1e-4, "an inner pixel sums 2 channels x 9 taps of 0.5")

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("prn-onnx-bench-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("conv.onnx")
        try data.write(to: path)
        var lines: [BenchResult] = []
        try ModelWorkloads.run(.init(path: path.path, batches: [1, 2], runs: 2), emit: { lines.append($0) })
        XCTAssertEqual(lines.map(\.workload), ["conv-batch1-infer", "conv-batch2-infer"])
    }
}

/// Int64 initializers for the shape tests.
enum ONNXTensorsForTests {
    static func int64(_ name: String, _ values: [Int64]) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
        t.dims = [Int64(values.count)]
        t.int64Data = values
        return t
    }
}

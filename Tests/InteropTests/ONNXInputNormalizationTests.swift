import Engine
import Foundation
import ONNX
import XCTest

/// The input normalisation exports as Sub/Div at the graph's start and imports back as the
/// model's preprocessing, with the dataset in metadata_props; a graph without it imports as a
/// model of raw inputs.
final class ONNXInputNormalizationTests: XCTestCase {
    func model(_ preprocessing: InputPreprocessing?) throws -> Model {
        let m = try Zoo.build("lenet5", ZooOptions(inputShape: [3, 16, 16], classes: 4, seed: 3))
        m.preprocessing = preprocessing
        return m
    }

    func testExportRoundTripsTheNormalisation() throws {
        let stats = ChannelStatistics(mean: [0.1, 0.2, 0.3], std: [0.5, 0.25, 2])
        let original = try model(InputPreprocessing(statistics: stats, dataset: "cifar10"))
        let bytes = try ONNXExport.data(original)
        let proto = try Onnx_ModelProto(serializedBytes: bytes)
        XCTAssertEqual(Array(proto.graph.node.prefix(2).map(\.opType)), ["Sub", "Div"])
        let again = try ONNXImport.model(from: bytes, source: "export")
        XCTAssertEqual(again.preprocessing, original.preprocessing)
        // The layers are unchanged: the same normalised input gives the same logits.
        let x = Tensor(shape: [2, 3, 16, 16], values: (0..<1536).map { Float($0 % 17) / 17 })
        XCTAssertLessThanOrEqual(maxAbsDifference(original.forward(x, mode: .eval).array, again.forward(x, mode: .eval).array), 1e-5)
    }

    func testAModelWithoutNormalisationImportsAsRawInputs() throws {
        for p in [nil, InputPreprocessing(statistics: nil, dataset: "mnist")] {
            let bytes = try ONNXExport.data(try model(p))
            XCTAssertFalse(try Onnx_ModelProto(serializedBytes: bytes).graph.node.contains { $0.opType == "Sub" })
            let again = try ONNXImport.model(from: bytes, source: "export")
            XCTAssertEqual(again.preprocessing, InputPreprocessing(statistics: nil, dataset: p?.dataset))
        }
    }

    /// A normalisation that some layers would not see is not the model's preprocessing: refused.
    func testNormalisationReadBesideTheRawInputIsRefused() throws {
        let stats = ChannelStatistics(mean: [0.1, 0.2, 0.3], std: [0.5, 0.25, 2])
        var proto = try Onnx_ModelProto(serializedBytes: try ONNXExport.data(try model(InputPreprocessing(statistics: stats, dataset: nil))))
        proto.graph.node[1].input[0] = "input"  // Div reads the raw input too
        XCTAssertThrowsError(try ONNXImport.model(from: try proto.serializedData(), source: "m.onnx")) { error in
            XCTAssertTrue("\(error)".contains("which other nodes read unnormalised"), "\(error)")
        }
    }

    func testModelFileRoundTripsThePreprocessing() throws {
        let original = try model(InputPreprocessing(statistics: ChannelStatistics(mean: [0.1, 0.2, 0.3], std: [0.5, 0.25, 2]), dataset: "x"))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("prn-pre-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try ModelFile.save(original, to: url)
        XCTAssertEqual(try ModelFile.load(from: url).model.preprocessing, original.preprocessing)
        let raw = try model(InputPreprocessing(statistics: nil, dataset: nil))
        try ModelFile.save(raw, to: url)
        XCTAssertEqual(try ModelFile.load(from: url).model.preprocessing, raw.preprocessing, "raw inputs stay raw, not unknown")
        try ModelFile.save(try model(nil), to: url)
        XCTAssertNil(try ModelFile.load(from: url).model.preprocessing, "unknown stays unknown")
    }
}

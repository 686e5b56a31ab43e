import Engine
import Foundation
import ONNX
import XCTest

/// onnxruntime runs prn's exported graphs and reproduces prn's logits.
final class OnnxRuntimeTests: XCTestCase {
    func testOnnxRuntimeMatchesPrnLogits() throws {
        let python = try PythonRunner.require(["onnxruntime", "onnx", "numpy"])
        let dir = try makeWorkDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cases = try ModelFixtures.all().map {
            OnnxRuntimeComparison.Case(label: $0.label, model: $0.model, input: ModelFixtures.input($0.inputShape, batch: 5))
        }
        let log = try OnnxRuntimeComparison.check(cases, python: python, in: dir)
        XCTAssertTrue(log.contains("resnet20-channels40"), log)
        XCTAssertTrue(log.contains("'Pad'") && log.contains("'Slice'"), "ResNet shortcuts should export as Slice + Pad:\n\(log)")
    }
}

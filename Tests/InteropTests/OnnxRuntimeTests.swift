import Engine
import Foundation
import ONNX
import XCTest

/// onnxruntime runs prn's exported graphs and reproduces prn's logits.
final class OnnxRuntimeTests: XCTestCase {
    static let runner = #"""
    import json, sys
    import numpy as np
    import onnx
    import onnxruntime as ort

    cases = json.load(open(sys.argv[1]))
    for c in cases:
        model = onnx.load(c["onnx"])
        onnx.checker.check_model(model, full_check=True)
        assert model.opset_import[0].version == 13, model.opset_import
        session = ort.InferenceSession(c["onnx"], providers=["CPUExecutionProvider"])
        x = np.fromfile(c["input"], dtype="<f4").reshape(c["shape"])
        (y,) = session.run(["logits"], {"input": x})
        y.astype("<f4").tofile(c["output"])
        print(c["label"], y.shape, sorted({n.op_type for n in model.graph.node}))
    """#

    func testOnnxRuntimeMatchesPrnLogits() throws {
        let python = try PythonRunner.require(["onnxruntime", "onnx", "numpy"])
        let dir = try makeWorkDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var manifest: [[String: Any]] = []
        var expected: [String: [Float]] = [:]
        for c in try ModelFixtures.all() {
            let x = ModelFixtures.input(c.inputShape, batch: 5)
            let onnx = dir.appendingPathComponent("\(c.label).onnx")
            try ONNXExport.write(c.model, to: onnx)
            let input = dir.appendingPathComponent("\(c.label).in")
            try RawFloats.write(x.array, to: input)
            expected[c.label] = ModelFixtures.logits(c.model, x)
            manifest.append(["label": c.label, "onnx": onnx.path, "input": input.path, "shape": x.shape,
                             "output": dir.appendingPathComponent("\(c.label).out").path])
        }
        let manifestURL = dir.appendingPathComponent("cases.json")
        try JSONSerialization.data(withJSONObject: manifest).write(to: manifestURL)
        let log = try PythonRunner.script(python, Self.runner, in: dir, arguments: [manifestURL.path])
        for c in manifest {
            let label = c["label"] as? String ?? ""
            let got = try RawFloats.read(URL(fileURLWithPath: c["output"] as? String ?? ""))
            let want = expected[label] ?? []
            XCTAssertEqual(got.count, want.count, "\(label): onnxruntime output size\n\(log)")
            guard got.count == want.count else { continue }
            XCTAssertLessThanOrEqual(maxAbsDifference(got, want), 1e-4, "\(label): onnxruntime logits differ from prn's")
        }
        XCTAssertTrue(log.contains("resnet20-channels40"), log)
        XCTAssertTrue(log.contains("'Pad'") && log.contains("'Slice'"), "ResNet shortcuts should export as Slice + Pad:\n\(log)")
    }
}

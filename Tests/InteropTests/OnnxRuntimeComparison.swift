import Engine
import Foundation
import ONNX
import XCTest

/// Exports prn models to ONNX, has onnxruntime run each on the same input, and compares its
/// outputs with what prn computes: the check every export test makes, written once.
enum OnnxRuntimeComparison {
    struct Case {
        var label: String
        var model: Model
        var input: Tensor
        /// prn's outputs for `input`; nil means the model's own logits on it.
        var expected: [Float]? = nil
    }

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

    /// Fails unless onnxruntime's outputs are within `tolerance` of prn's, relative to the larger
    /// of 1 and the largest |output|. Returns onnxruntime's log: each label, its output shape and
    /// the operators of its graph.
    @discardableResult
    static func check(_ cases: [Case], python: String, in dir: URL, tolerance: Float = 1e-4, context: String = "",
                      file: StaticString = #filePath, line: UInt = #line) throws -> String {
        var manifest: [[String: Any]] = []
        var expected: [String: [Float]] = [:]
        for c in cases {
            let onnx = dir.appendingPathComponent("\(c.label).onnx")
            try ONNXExport.write(c.model, to: onnx)
            let input = dir.appendingPathComponent("\(c.label).in")
            try RawFloats.write(c.input.array, to: input)
            expected[c.label] = c.expected ?? ModelFixtures.logits(c.model, c.input)
            manifest.append(["label": c.label, "onnx": onnx.path, "input": input.path, "shape": c.input.shape,
                             "output": dir.appendingPathComponent("\(c.label).out").path])
        }
        let manifestURL = dir.appendingPathComponent("cases.json")
        try JSONSerialization.data(withJSONObject: manifest).write(to: manifestURL)
        let log = try PythonRunner.script(python, runner, in: dir, arguments: [manifestURL.path])
        for c in cases {
            let got = try RawFloats.read(dir.appendingPathComponent("\(c.label).out"))
            let want = expected[c.label] ?? []
            XCTAssertEqual(got.count, want.count, "\(c.label): onnxruntime output size\n\(log)", file: file, line: line)
            guard got.count == want.count else { continue }
            XCTAssertTrue(want.allSatisfy(\.isFinite), "\(c.label): prn's outputs are not finite", file: file, line: line)
            let scale = max(want.map(abs).max() ?? 0, 1)
            XCTAssertLessThanOrEqual(maxAbsDifference(got, want) / scale, tolerance,
                                     "\(c.label): onnxruntime differs from prn\n\(context)\n\(log)", file: file, line: line)
        }
        return log
    }
}

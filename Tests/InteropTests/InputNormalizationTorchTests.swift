import Engine
import Foundation
import ONNX
import Runtime
import XCTest

/// A network trained in PyTorch on raw [0, 1] inputs reads raw inputs in prn too (an imported
/// model is not normalised unless its graph says so), a network that normalises inside its
/// `forward` keeps that normalisation as its recorded preprocessing, and prn's export of it
/// runs in onnxruntime on raw inputs.
final class InputNormalizationTorchTests: XCTestCase {
    static let trainer = #"""
    import os, sys
    import numpy as np
    import onnxruntime as ort
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    out = sys.argv[1]
    torch.manual_seed(0)
    torch.set_num_threads(1)

    class SmallCNN(nn.Module):
        def __init__(self, normalize):
            super().__init__()
            self.normalize = normalize
            self.register_buffer("mean", torch.tensor([0.2, 0.5, 0.7]).view(1, 3, 1, 1))
            self.register_buffer("std", torch.tensor([0.3, 0.25, 0.4]).view(1, 3, 1, 1))
            self.features = nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                          nn.Conv2d(6, 8, 3, padding=1), nn.ReLU(), nn.AvgPool2d(2), nn.Flatten())
            self.classifier = nn.Linear(8 * 3 * 3, 3)
        def forward(self, x):
            if self.normalize:
                x = (x - self.mean) / self.std
            return self.classifier(self.features(x))

    # Pixels in [0, 1]; the class is the brightest third of the image (a rule offsets would spoil).
    def make(n):
        x = torch.rand(n, 3, 12, 12)
        y = torch.stack([x[:, :, :, a:a + 4].mean((1, 2, 3)) for a in (0, 4, 8)], 1).argmax(1)
        return x, y
    x, y = make(600)
    tx, ty = make(64)
    os.makedirs(f"{out}/data", exist_ok=True)
    for name, a in (("x_train", x), ("y_train", y), ("x_test", tx), ("y_test", ty)):
        np.save(f"{out}/data/{name}.npy", a.numpy().astype("<f4" if name.startswith("x") else "<i8"))
    for name, normalize in (("cnn", False), ("normcnn", True)):
        model = SmallCNN(normalize)
        opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        for epoch in range(6):
            for i in range(0, 600, 50):
                opt.zero_grad()
                F.cross_entropy(model(x[i:i + 50]), y[i:i + 50]).backward()
                opt.step()
        model.eval()
        path = f"{out}/{name}.onnx"
        torch.onnx.export(model, tx[:2], path, input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, opset_version=13)
        (logits,) = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(["logits"], {"input": tx.numpy()})
        logits.astype("<f4").tofile(f"{out}/{name}.logits")
        print(name, "test accuracy", (logits.argmax(1) == ty.numpy()).mean())
    """#

    static let runner = #"""
    import sys
    import numpy as np
    import onnxruntime as ort
    x = np.load(sys.argv[2])
    (y,) = ort.InferenceSession(sys.argv[1], providers=["CPUExecutionProvider"]).run(["logits"], {"input": x})
    y.astype("<f4").tofile(sys.argv[3])
    """#

    func engine(_ dir: URL) throws -> (REPLEngine, () -> [String]) {
        var configuration = REPLEngine.Configuration()
        configuration.allow = [dir.path]
        var printed = [String]()
        let e = try REPLEngine(configuration: configuration, output: { printed.append($0) }, errors: { printed.append($0) })
        return (e, { defer { printed = [] }; return printed })
    }

    /// prn's logits on the session's test split.
    func sessionLogits(_ e: REPLEngine) throws -> [Float] {
        let model = try XCTUnwrap(e.session.model), data = try XCTUnwrap(e.session.data)
        return model.forward(data.test.samples, mode: .eval).array
    }

    func testTorchModelTrainedOnRawInputsGivesOnnxRuntimeLogitsInPrn() throws {
        let python = try PythonRunner.require(["torch", "numpy", "onnxruntime"])
        let dir = try makeWorkDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = try PythonRunner.script(python, Self.trainer, in: dir, arguments: [dir.path])
        let want = try RawFloats.read(dir.appendingPathComponent("cnn.logits"))
        let (e, printed) = try engine(dir)
        for options in ["", " normalize=none"] {
            XCTAssertEqual(e.evaluate("load \"\(dir.path)/cnn.onnx\" data=\"\(dir.path)/data\"\(options)"), .completed, printed().joined(separator: "\n"))
            XCTAssertNil(e.session.data?.statistics, "an imported model without normalisation reads raw inputs\(options)")
            XCTAssertLessThanOrEqual(maxAbsDifference(try sessionLogits(e), want), 1e-4, "prn's logits differ from onnxruntime's on raw inputs\(options)\n\(log)")
            XCTAssertFalse(printed().contains { $0.contains("warning") }, "nothing to warn about\(options)")
        }
        // Standardising anyway is allowed, and said to be a mismatch.
        XCTAssertEqual(e.evaluate("load \"\(dir.path)/cnn.onnx\" data=\"\(dir.path)/data\" normalize=dataset"), .completed)
        let lines = printed()
        XCTAssertTrue(lines.contains { $0.hasPrefix("warning: model") && $0.contains("cnn.onnx") && $0.contains("none (raw inputs)") && $0.contains("data data are normalised with mean") }, lines.joined(separator: "\n"))
    }

    func testNormalisationInsideTorchForwardBecomesThePreprocessingAndExportsBack() throws {
        let python = try PythonRunner.require(["torch", "numpy", "onnxruntime"])
        let dir = try makeWorkDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = try PythonRunner.script(python, Self.trainer, in: dir, arguments: [dir.path])
        let want = try RawFloats.read(dir.appendingPathComponent("normcnn.logits"))
        let (e, printed) = try engine(dir)
        XCTAssertEqual(e.evaluate("load \"\(dir.path)/normcnn.onnx\" data=\"\(dir.path)/data\""), .completed, printed().joined(separator: "\n"))
        let stats = try XCTUnwrap(e.session.model?.preprocessing?.statistics, "(x - mean) / std at the graph's start is the model's preprocessing")
        for (got, expected) in zip(stats.mean + stats.std, [0.2, 0.5, 0.7, 0.3, 0.25, 0.4] as [Float]) { XCTAssertEqual(got, expected, accuracy: 1e-6) }
        XCTAssertEqual(e.session.data?.statistics, stats, "the data follow the model's recorded normalisation")
        XCTAssertLessThanOrEqual(maxAbsDifference(try sessionLogits(e), want), 1e-4, "\(log)")

        // prn's export bakes the normalisation in: onnxruntime on raw inputs gives the same logits.
        let again = dir.appendingPathComponent("again.onnx"), out = dir.appendingPathComponent("again.out")
        XCTAssertEqual(e.evaluate("export \"\(again.path)\""), .completed, printed().joined(separator: "\n"))
        _ = try PythonRunner.script(python, Self.runner, in: dir, arguments: [again.path, dir.appendingPathComponent("data/x_test.npy").path, out.path])
        XCTAssertLessThanOrEqual(maxAbsDifference(try RawFloats.read(out), want), 1e-4)
        XCTAssertEqual(try ONNXImport.load(from: again).preprocessing?.statistics, stats, "import of prn's export round-trips the normalisation")
    }
}

import Engine
import Foundation
import ONNX
import XCTest

/// torchvision's ResNet-18, MobileNetV2 and SqueezeNet 1.1, exported by torch.onnx.export,
/// import into prn and reproduce onnxruntime's logits. Weights are random (nothing is
/// downloaded); BatchNorm statistics are randomised too, so the logits are not near zero.
final class TorchvisionModelImportTests: XCTestCase {
    static let exporter = #"""
    import sys
    import numpy as np
    import onnxruntime as ort
    import torch
    import torchvision

    out = sys.argv[1]
    torch.manual_seed(0)
    x = torch.randn(2, 3, 64, 64)
    x.numpy().astype("<f4").tofile(f"{out}/input.bin")
    for name in ["resnet18", "mobilenet_v2", "squeezenet1_1"]:
        model = getattr(torchvision.models, name)(weights=None)
        with torch.no_grad():
            for m in model.modules():
                if isinstance(m, torch.nn.BatchNorm2d):
                    m.weight.uniform_(0.5, 1.5); m.bias.uniform_(-0.2, 0.2)
                    m.running_mean.uniform_(-0.2, 0.2); m.running_var.uniform_(0.5, 1.5)
                elif isinstance(m, torch.nn.Linear):
                    m.weight.normal_(0, 0.05)
        model.eval()
        path = f"{out}/{name}.onnx"
        torch.onnx.export(model, x, path, input_names=["input"], output_names=["logits"], opset_version=13,
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
        (y,) = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(["logits"], {"input": x.numpy()})
        y.astype("<f4").tofile(f"{out}/{name}.out")
        print(name, "largest logit", float(np.abs(y).max()))
    """#

    func testTorchvisionModelsImportWithOnnxRuntimesLogits() throws {
        let python = try PythonRunner.require(["torch", "torchvision", "onnxruntime", "numpy"])
        let dir = try makeWorkDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = try PythonRunner.script(python, Self.exporter, in: dir, arguments: [dir.path])
        let input = try RawFloats.read(dir.appendingPathComponent("input.bin"))
        for name in ["resnet18", "mobilenet_v2", "squeezenet1_1"] {
            let model = try ONNXImport.load(from: dir.appendingPathComponent("\(name).onnx"))
            XCTAssertEqual(model.classes, 1000, name)
            let want = try RawFloats.read(dir.appendingPathComponent("\(name).out"))
            let got = model.forward(Tensor(shape: [2, 3, 64, 64], values: input), mode: .eval).array
            XCTAssertEqual(got.count, want.count, name)
            guard got.count == want.count else { continue }
            let scale = want.map(abs).max() ?? 0
            XCTAssertGreaterThan(scale, 0.1, "\(name): logits too small to compare\n\(log)")
            XCTAssertLessThanOrEqual(maxAbsDifference(got, want) / scale, 1e-4, "\(name): prn differs from onnxruntime\n\(log)")
        }
    }
}

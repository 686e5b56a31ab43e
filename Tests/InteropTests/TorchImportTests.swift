import Engine
import Foundation
import ONNX
import XCTest

/// Networks built and trained in PyTorch, exported with torch.onnx.export, load in prn and give
/// PyTorch's logits and predictions.
final class TorchImportTests: XCTestCase {
    static let trainer = #"""
    import json, sys
    import numpy as np
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    out = sys.argv[1]
    torch.manual_seed(0)
    torch.set_num_threads(1)

    class SmallCNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(1, 6, 3, padding=1), nn.BatchNorm2d(6), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(6, 8, 3), nn.ReLU(), nn.AvgPool2d(2), nn.Flatten())
            self.classifier = nn.Sequential(nn.Linear(8 * 2 * 2, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 3))
        def forward(self, x):
            return self.classifier(self.features(x))

    class SmallResidual(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1, self.bn1 = nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4)
            self.conv2, self.bn2 = nn.Conv2d(4, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4)
            self.fc, self.bn3 = nn.Linear(4, 8, bias=False), nn.BatchNorm1d(8)
            self.out = nn.Linear(8, 3)
        def forward(self, x):
            x = F.relu(self.bn1(self.conv1(x)))
            x = F.relu(self.bn2(self.conv2(x)) + x)
            x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
            return self.out(F.relu(self.bn3(self.fc(x))))

    # A learnable rule on 12x12 images: which third of the image is brightest.
    x = torch.randn(512, 1, 12, 12)
    y = torch.stack([x[:, 0, :, a:a + 4].mean((1, 2)) for a in (0, 4, 8)], 1).argmax(1)
    test = torch.randn(16, 1, 12, 12)
    for name, model, mode in (("cnn", SmallCNN(), torch.onnx.TrainingMode.EVAL),
                              ("residual", SmallResidual(), torch.onnx.TrainingMode.PRESERVE)):
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        model.train()
        for epoch in range(8):
            for i in range(0, 512, 64):
                opt.zero_grad()
                F.cross_entropy(model(x[i:i + 64]), y[i:i + 64]).backward()
                opt.step()
        model.eval()
        with torch.no_grad():
            acc = (model(x).argmax(1) == y).float().mean().item()
            logits = model(test).numpy()
        torch.onnx.export(model, test[:2], f"{out}/{name}.onnx", input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, opset_version=13,
                          training=mode, do_constant_folding=mode == torch.onnx.TrainingMode.EVAL)
        test.numpy().astype("<f4").tofile(f"{out}/{name}.in")
        logits.astype("<f4").tofile(f"{out}/{name}.logits")
        print(name, "train accuracy", round(acc, 3))
    """#

    func testPyTorchTrainedModelsImportWithTheSameLogits() throws {
        let python = try PythonRunner.require(["torch", "numpy"])
        let dir = try makeWorkDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = try PythonRunner.script(python, Self.trainer, in: dir, arguments: [dir.path])
        for name in ["cnn", "residual"] {
            let model = try ONNXImport.load(from: dir.appendingPathComponent("\(name).onnx"))
            XCTAssertEqual(model.inputShape, [1, 12, 12])
            XCTAssertEqual(model.classes, 3)
            let inputs = try RawFloats.read(dir.appendingPathComponent("\(name).in"))
            let want = try RawFloats.read(dir.appendingPathComponent("\(name).logits"))
            let got = model.forward(Tensor(shape: [16, 1, 12, 12], values: inputs), mode: .eval).array
            XCTAssertLessThanOrEqual(maxAbsDifference(got, want), 1e-4, "\(name): prn logits differ from PyTorch's\n\(log)")
            for s in 0..<16 {
                let g = Array(got[(3 * s)..<(3 * s + 3)]), w = Array(want[(3 * s)..<(3 * s + 3)])
                XCTAssertEqual(g.firstIndex(of: g.max() ?? 0), w.firstIndex(of: w.max() ?? 0), "\(name): sample \(s) predicted differently")
            }
            let names = Set(model.parameters.map(\.name))
            if name == "residual" {
                // Names come from PyTorch's initializers (and module paths where weights were folded).
                for n in ["conv1.weight", "bn1.running_var", "bn3.weight", "out.bias", "fc.weight"] {
                    XCTAssertTrue(names.contains(n), "\(n) missing from \(names.sorted())")
                }
                XCTAssertTrue(model.nodes.contains { $0.layer is BatchNorm }, "PRESERVE export keeps BatchNormalization nodes")
            } else {
                XCTAssertTrue(names.contains("classifier.3.weight"), "\(names.sorted())")
            }
        }
        XCTAssertTrue(log.contains("cnn train accuracy"), log)
    }

    /// The imported network is prunable like any prn model: unstructured pruning then eval.
    func testImportedModelCanBePrunedAndExportedAgain() throws {
        let python = try PythonRunner.require(["torch", "numpy"])
        let dir = try makeWorkDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try PythonRunner.script(python, Self.trainer, in: dir, arguments: [dir.path])
        let model = try ONNXImport.load(from: dir.appendingPathComponent("cnn.onnx"))
        let pruned = try ModelFixtures.masked(model, ratio: 0.5)
        let again = try ONNXImport.model(from: ONNXExport.data(pruned), source: "re-export")
        let x = ModelFixtures.input([1, 12, 12], batch: 4)
        XCTAssertLessThanOrEqual(maxAbsDifference(ModelFixtures.logits(pruned, x), ModelFixtures.logits(again, x)), 1e-4)
    }
}

import Engine
import Foundation
import ONNX
import XCTest

/// A residual network exported by torch.onnx.export, imported by prn and saved as safetensors,
/// loads back into PyTorch through `prn_models.from_prn_file` with prn's logits. The import names
/// each residual `Add` after its block ("layer1.0"), the prefix of that block's convolutions, so
/// the rebuilt module tree must not let a parameterless node take a parameterised one's place.
final class ImportedResidualTorchTests: XCTestCase {
    static let exporter = #"""
    import sys
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    torch.manual_seed(0)

    class Block(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.conv1, self.bn1 = nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c)
            self.relu = nn.ReLU()
            self.conv2, self.bn2 = nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c)
        def forward(self, x):
            out = self.relu(self.bn1(self.conv1(x)))
            return self.relu(self.bn2(self.conv2(out)) + x)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1, self.bn1, self.relu = nn.Conv2d(1, 6, 3, padding=1, bias=False), nn.BatchNorm2d(6), nn.ReLU()
            self.layer1 = nn.Sequential(Block(6), Block(6))
            self.fc = nn.Linear(6, 4)
        def forward(self, x):
            x = self.layer1(self.relu(self.bn1(self.conv1(x))))
            return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))

    model = Net()
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
    model.eval()
    torch.onnx.export(model, torch.zeros(2, 1, 10, 10), sys.argv[1], input_names=["input"],
                      output_names=["logits"], dynamic_axes={"input": {0: "batch"}}, opset_version=13)
    """#

    static let loader = #"""
    import sys
    import numpy as np
    import torch
    import prn_models

    model = prn_models.from_prn_file(sys.argv[1]).eval()
    x = torch.from_numpy(np.fromfile(sys.argv[2], dtype="<f4").reshape(3, 1, 10, 10))
    with torch.no_grad():
        model(x).numpy().astype("<f4").tofile(sys.argv[3])
    """#

    func testImportedResidualNetworkLoadsIntoPyTorchFromItsPrnFile() throws {
        let python = try PythonRunner.require(["torch", "safetensors", "numpy"])
        let dir = try makeWorkDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let onnx = dir.appendingPathComponent("residual.onnx")
        _ = try PythonRunner.script(python, Self.exporter, in: dir, arguments: [onnx.path])
        let model = try ONNXImport.load(from: onnx)
        XCTAssertTrue(model.node(named: "layer1.0") != nil,
                      "the import no longer names an Add after its block; this test needs a new collision")
        let file = dir.appendingPathComponent("residual.safetensors")
        try ModelFile.save(model, to: file)
        let x = ModelFixtures.input([1, 10, 10], batch: 3)
        let input = dir.appendingPathComponent("x.in"), output = dir.appendingPathComponent("y.out")
        try RawFloats.write(x.array, to: input)
        let log = try PythonRunner.script(python, Self.loader, in: dir, arguments: [file.path, input.path, output.path])
        let got = try RawFloats.read(output)
        let want = ModelFixtures.logits(model, x)
        XCTAssertEqual(got.count, want.count, "PyTorch output size\n\(log)")
        guard got.count == want.count else { return }
        XCTAssertLessThanOrEqual(maxAbsDifference(got, want), 1e-4, "PyTorch logits differ from prn's")
    }
}

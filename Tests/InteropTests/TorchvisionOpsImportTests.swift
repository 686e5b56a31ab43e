import Engine
import Foundation
import ONNX
import XCTest

/// The operators torchvision networks are built from, exported by torch.onnx.export at opsets 13
/// and 17, import into prn and reproduce onnxruntime's outputs on random inputs; and prn's own
/// activations export to graphs onnxruntime runs with prn's results.
final class TorchvisionOpsImportTests: XCTestCase {
    static let exporter = #"""
    import sys
    import numpy as np
    import onnxruntime as ort
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    out = sys.argv[1]
    torch.manual_seed(0)

    class Activations(nn.Module):
        """Every activation prn imports, each before a convolution of another kind (depthwise,
        grouped, dilated, rectangular), a Fire-style channel concat, padded and ceil-mode max
        pooling, then x.view(x.size(0), -1) and a dense head."""
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3, padding=1)
            self.bn = nn.BatchNorm2d(8)
            self.acts = nn.ModuleList([nn.Sigmoid(), nn.Tanh(), nn.LeakyReLU(0.1), nn.ReLU6(), nn.Hardsigmoid(),
                                       nn.Hardswish(), nn.GELU(), nn.SiLU()])
            self.convs = nn.ModuleList([
                nn.Conv2d(8, 8, 3, padding=1, groups=8), nn.Conv2d(8, 8, (1, 3), padding=(0, 1)),
                nn.Conv2d(8, 8, 3, padding=2, dilation=2), nn.Conv2d(8, 8, 3, padding=1, groups=2),
                nn.Conv2d(8, 8, (3, 1), padding=(1, 0), groups=4, bias=False), nn.Conv2d(8, 8, 3, stride=(1, 1), padding=1),
                nn.Conv2d(8, 8, 1), nn.Conv2d(8, 16, 3, padding=1, groups=8)])
            self.squeeze = nn.Conv2d(16, 4, 1)
            self.expand1, self.expand3 = nn.Conv2d(4, 4, 1), nn.Conv2d(4, 4, 3, padding=1)
            self.pool1 = nn.MaxPool2d(3, 2, padding=1)
            self.pool2 = nn.MaxPool2d(3, 2, ceil_mode=True)
            self.drop = nn.Dropout(0.3)
            self.fc1 = nn.Linear(8 * 2 * 2, 16)
            self.fc2 = nn.Linear(16, 5)
        def forward(self, x):
            x = self.bn(self.conv(x))
            for act, conv in zip(self.acts, self.convs):
                x = conv(act(x))
            x = F.relu(self.squeeze(x))
            x = torch.cat([F.relu(self.expand1(x)), F.relu(self.expand3(x))], 1)
            x = self.pool2(self.pool1(x))
            x = self.drop(x.view(x.size(0), -1))
            return self.fc2(F.gelu(self.fc1(x)))

    model = Activations()
    with torch.no_grad():
        for p in model.bn.parameters():
            p.uniform_(0.5, 1.5)
        model.bn.running_mean.uniform_(-0.5, 0.5)
        model.bn.running_var.uniform_(0.5, 2)
    model.eval()
    x = torch.randn(6, 3, 8, 8) * 2
    x.numpy().astype("<f4").tofile(f"{out}/input.bin")
    for opset in (13, 17):
        for dynamic in (True, False):
            name = f"acts-{opset}-{'dynamic' if dynamic else 'static'}"
            path = f"{out}/{name}.onnx"
            torch.onnx.export(model, x, path, input_names=["input"], output_names=["logits"], opset_version=opset,
                              dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}} if dynamic else None)
            session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
            (y,) = session.run(["logits"], {"input": x.numpy()})
            with torch.no_grad():
                assert np.allclose(y, model(x).numpy(), atol=1e-4), name
            y.astype("<f4").tofile(f"{out}/{name}.out")
            import onnx
            print(name, sorted({n.op_type for n in onnx.load(path).graph.node}))
    """#

    static let runner = #"""
    import sys
    import numpy as np
    import onnxruntime as ort
    path, shape = sys.argv[1], [int(v) for v in sys.argv[2].split(",")]
    x = np.fromfile(f"{path}.in", dtype="<f4").reshape(shape)
    session = ort.InferenceSession(f"{path}.onnx", providers=["CPUExecutionProvider"])
    (y,) = session.run(["logits"], {"input": x})
    y.astype("<f4").tofile(f"{path}.out")
    """#

    func testTorchActivationsAndViewImportAtOpsets13And17() throws {
        let python = try PythonRunner.require(["torch", "onnxruntime", "onnx", "numpy"])
        let dir = try makeWorkDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = try PythonRunner.script(python, Self.exporter, in: dir, arguments: [dir.path])
        let input = try RawFloats.read(dir.appendingPathComponent("input.bin"))
        for opset in [13, 17] {
            for variant in ["dynamic", "static"] {
                let name = "acts-\(opset)-\(variant)"
                let model = try ONNXImport.load(from: dir.appendingPathComponent("\(name).onnx"))
                XCTAssertEqual(model.classes, 5, name)
                let kinds = Set(model.nodes.compactMap { $0.layer?.kind })
                for kind in ["sigmoid", "tanh", "leaky-relu", "clip", "hard-sigmoid", "hard-swish", "gelu", "silu", "flatten",
                             "general-conv2d", "conv2d", "concat", "maxpool2d"] {
                    XCTAssertTrue(kinds.contains(kind), "\(name): no \(kind) layer in \(kinds.sorted())")
                }
                let want = try RawFloats.read(dir.appendingPathComponent("\(name).out"))
                let got = model.forward(Tensor(shape: [6, 3, 8, 8], values: input), mode: .eval).array
                XCTAssertEqual(got.count, want.count, name)
                guard got.count == want.count else { continue }
                XCTAssertLessThanOrEqual(maxRelativeDifference(got, want), 1e-4, "\(name): prn differs from onnxruntime\n\(log)")
            }
        }
    }

    /// prn's activation layers export (HardSwish, SiLU and GELU as opset-13 patterns), onnxruntime
    /// reproduces prn's outputs, and the file imports back into the same layers.
    func testPrnActivationsExportAndReimport() throws {
        let python = try PythonRunner.require(["onnxruntime", "numpy"])
        let dir = try makeWorkDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = Self.activationsModel()
        let x = ModelFixtures.input([6], batch: 5)
        for i in 0..<x.count { x[i] *= 3 }
        let base = dir.appendingPathComponent("acts")
        try ONNXExport.write(model, to: base.appendingPathExtension("onnx"))
        try RawFloats.write(x.array, to: base.appendingPathExtension("in"))
        _ = try PythonRunner.script(python, Self.runner, in: dir, arguments: [base.path, "5,6"])
        let want = ModelFixtures.logits(model, x)
        let got = try RawFloats.read(base.appendingPathExtension("out"))
        XCTAssertEqual(got.count, want.count)
        guard got.count == want.count else { return }
        XCTAssertLessThanOrEqual(maxRelativeDifference(got, want), 1e-4, "onnxruntime differs from prn")
        let again = try ONNXImport.load(from: base.appendingPathExtension("onnx"))
        XCTAssertEqual(again.nodes.compactMap { $0.layer?.kind }, model.nodes.compactMap { $0.layer?.kind })
        XCTAssertLessThanOrEqual(maxRelativeDifference(ModelFixtures.logits(again, x), want), 1e-5)
    }

    /// General convolutions, padded ceil-mode max pooling and channel concat export to graphs
    /// onnxruntime runs with prn's results, and import back.
    func testPrnConvolutionsPoolsAndConcatExportAndReimport() throws {
        let python = try PythonRunner.require(["onnxruntime", "numpy"])
        let dir = try makeWorkDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = Self.convolutionsModel()
        let x = ModelFixtures.input([4, 9, 8], batch: 3)
        let base = dir.appendingPathComponent("convs")
        try ONNXExport.write(model, to: base.appendingPathExtension("onnx"))
        try RawFloats.write(x.array, to: base.appendingPathExtension("in"))
        _ = try PythonRunner.script(python, Self.runner, in: dir, arguments: [base.path, "3,4,9,8"])
        let want = ModelFixtures.logits(model, x)
        let got = try RawFloats.read(base.appendingPathExtension("out"))
        XCTAssertEqual(got.count, want.count)
        guard got.count == want.count else { return }
        XCTAssertLessThanOrEqual(maxRelativeDifference(got, want), 1e-4, "onnxruntime differs from prn")
        let again = try ONNXImport.load(from: base.appendingPathExtension("onnx"))
        // GlobalAveragePool comes back with the Flatten ONNX needs after it.
        XCTAssertEqual(again.nodes.compactMap { $0.layer?.kind }.filter { $0 != "flatten" }, model.nodes.compactMap { $0.layer?.kind })
        XCTAssertLessThanOrEqual(maxRelativeDifference(ModelFixtures.logits(again, x), want), 1e-5)
    }

    /// A dense network with every activation prn has.
    static func activationsModel() -> Model {
        let activations: [Layer] = [Sigmoid(), Tanh(), LeakyReLU(alpha: 0.2), Clip(min: 0, max: 6),
                                    HardSigmoid(alpha: 0.25, beta: 0.4), HardSwish(), GELU(), SiLU()]
        let model = Model(inputShape: [6], classes: 4)
        var rng = RandomStream(seed: 3)
        for (i, act) in activations.enumerated() {
            let dense = Linear(i == 0 ? 6 : 12, 12)
            dense.initialize(&rng)
            _ = model.add("dense\(i)", dense)
            _ = model.add("act\(i)", act)
        }
        let head = Linear(12, 4)
        head.initialize(&rng)
        _ = model.add("head", head)
        return model
    }

    /// General convolutions, padded ceil-mode max pooling and a channel concat.
    static func convolutionsModel() -> Model {
        let model = Model(inputShape: [4, 9, 8], classes: 3)
        var rng = RandomStream(seed: 9)
        let depthwise = GeneralConv2d(4, 8, kernel: (3, 3), padding: (1, 1), groups: 4)
        let rect = GeneralConv2d(8, 6, kernel: (1, 3), stride: (2, 2), padding: (0, 2), dilation: (1, 2), groups: 2)
        let branch = Conv2d(8, 6, kernel: 3, stride: 2, padding: 1)
        let head = Linear(12, 3)
        depthwise.initialize(&rng); rect.initialize(&rng); branch.initialize(&rng); head.initialize(&rng)
        let d = model.add("depthwise", depthwise)
        let act = model.add("act", HardSwish(), inputs: [d])
        let pool = model.add("pool", MaxPool2d(kernel: 3, stride: 1, padding: 1, ceilMode: true), inputs: [act])
        let a = model.add("rect", rect, inputs: [pool])
        let b = model.add("branch", branch, inputs: [pool])
        _ = model.add("cat", ConcatChannels(), inputs: [a, b])
        _ = model.add("pool2", MaxPool2d(kernel: 2, stride: 2, ceilMode: true))
        _ = model.add("gap", GlobalAvgPool())
        _ = model.add("head", head)
        return model
    }
}

/// Largest |a - b| / max(1, |b|): 1e-4 relative for large values, absolute near zero.
func maxRelativeDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "compared arrays differ in length: \(a.count) vs \(b.count)")
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1) / max(1, abs($1.1))) }
}

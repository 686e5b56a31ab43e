import Engine
import Foundation
import ONNX
import Pruning
import XCTest

/// Padded and ceil-mode average pooling (count_include_pad both ways), softmax / log-softmax
/// heads and layer normalisation, in small PyTorch models exported by torch.onnx.export at
/// opsets 13 (LayerNorm as its node chain) and 17 (LayerNormalization): they import with
/// onnxruntime's outputs, train a step, export back to graphs onnxruntime runs with prn's
/// outputs, round-trip through model files, and prune channels through the pools and norms.
final class PoolSoftmaxLayerNormTests: XCTestCase {
    static let exporter = #"""
    import sys
    import numpy as np
    import onnx
    import onnxruntime as ort
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    out = sys.argv[1]
    torch.manual_seed(0)

    class Pools(nn.Module):
        """Average pools as ResNet-D / Inception / timm write them, on a 7x9 input whose ceil-mode
        windows run past the padding and are clipped."""
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 6, 3, padding=1)
            self.bn1 = nn.BatchNorm2d(6)
            self.pool1 = nn.AvgPool2d(3, 2, padding=1, ceil_mode=True)
            self.conv2 = nn.Conv2d(6, 8, 3, padding=1)
            self.pool2 = nn.AvgPool2d(3, 2, padding=1, ceil_mode=True, count_include_pad=False)
            self.pool3 = nn.AvgPool2d(2, 2, ceil_mode=True)
            self.pool4 = nn.AvgPool2d(3, 1, padding=1)
            self.fc = nn.Linear(8 * 2 * 2, 5)
        def forward(self, x):
            x = self.pool1(F.relu(self.bn1(self.conv1(x))))
            x = self.pool2(F.relu(self.conv2(x)))
            x = self.pool4(self.pool3(x))
            return self.fc(x.flatten(1))

    class Head(nn.Module):
        """A dense classifier with LayerNorm over its features, ending in (log-)softmax."""
        def __init__(self, log):
            super().__init__()
            self.fc1 = nn.Linear(12, 16)
            self.ln = nn.LayerNorm(16)
            self.fc2 = nn.Linear(16, 5)
            self.log = log
        def forward(self, x):
            x = self.fc2(F.gelu(self.ln(self.fc1(x))))
            return F.log_softmax(x, -1) if self.log else F.softmax(x, -1)

    class ConvNorms(nn.Module):
        """LayerNorm over [C, H, W] (axis 1) and over W only (axis -1) of a convolution's output."""
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 6, 3, padding=1)
            self.ln1 = nn.LayerNorm([6, 7, 9])
            self.conv2 = nn.Conv2d(6, 8, 3, padding=1)
            self.ln2 = nn.LayerNorm(9, eps=1e-3)
            self.fc = nn.Linear(8, 4)
        def forward(self, x):
            x = F.relu(self.ln1(self.conv1(x)))
            x = F.relu(self.ln2(self.conv2(x)))
            return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))

    models = {"pools": (Pools(), [3, 7, 9]), "head": (Head(False), [12]), "loghead": (Head(True), [12]),
              "convnorms": (ConvNorms(), [3, 7, 9])}
    for name, (model, shape) in models.items():
        with torch.no_grad():
            for m in model.modules():
                if isinstance(m, (nn.BatchNorm2d, nn.LayerNorm)):
                    m.weight.uniform_(0.5, 1.5); m.bias.uniform_(-0.2, 0.2)
                if isinstance(m, nn.BatchNorm2d):
                    m.running_mean.uniform_(-0.2, 0.2); m.running_var.uniform_(0.5, 1.5)
        model.eval()
        x = torch.randn(4, *shape) * 2
        x.numpy().astype("<f4").tofile(f"{out}/{name}.in")
        for opset in (13, 17):
            path = f"{out}/{name}-{opset}.onnx"
            torch.onnx.export(model, x, path, input_names=["input"], output_names=["logits"], opset_version=opset,
                              dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
            session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
            (y,) = session.run(["logits"], {"input": x.numpy()})
            with torch.no_grad():
                assert np.allclose(y, model(x).numpy(), atol=1e-4), (name, opset)
            y.astype("<f4").tofile(f"{out}/{name}-{opset}.out")
            print(name, opset, sorted({n.op_type for n in onnx.load(path).graph.node}))
    """#

    static let cases: [(name: String, shape: [Int], kinds: [String])] = [
        ("pools", [3, 7, 9], ["avgpool2d"]), ("head", [12], ["layernorm", "softmax"]),
        ("loghead", [12], ["layernorm", "log-softmax"]), ("convnorms", [3, 7, 9], ["layernorm"]),
    ]

    // XCTest runs a class's tests one after another.
    nonisolated(unsafe) private static var exported: (dir: URL, log: String)?

    /// The exported models, made once for every test of this class.
    private func exports() throws -> (python: String, dir: URL, log: String) {
        let python = try PythonRunner.require(["torch", "onnxruntime", "onnx", "numpy"])
        if let e = Self.exported { return (python, e.dir, e.log) }
        let dir = try makeWorkDirectory()
        let log = try PythonRunner.script(python, Self.exporter, in: dir, arguments: [dir.path])
        Self.exported = (dir, log)
        return (python, dir, log)
    }

    override class func tearDown() {
        if let dir = exported?.dir { try? FileManager.default.removeItem(at: dir) }
        exported = nil
        super.tearDown()
    }

    private func load(_ name: String, _ opset: Int, _ dir: URL) throws -> Model {
        try ONNXImport.load(from: dir.appendingPathComponent("\(name)-\(opset).onnx"))
    }

    func testTorchModelsImportWithOnnxRuntimeOutputs() throws {
        let (_, dir, log) = try exports()
        for (name, shape, kinds) in Self.cases {
            let x = try RawFloats.read(dir.appendingPathComponent("\(name).in"))
            for opset in [13, 17] {
                let label = "\(name) at opset \(opset)"
                let model = try load(name, opset, dir)
                let found = model.nodes.compactMap { $0.layer?.kind }
                for kind in kinds { XCTAssertTrue(found.contains(kind), "\(label): no \(kind) in \(found)") }
                let want = try RawFloats.read(dir.appendingPathComponent("\(name)-\(opset).out"))
                let got = model.forward(Tensor(shape: [4] + shape, values: x), mode: .eval).array
                XCTAssertEqual(got.count, want.count, label)
                guard got.count == want.count else { continue }
                XCTAssertLessThanOrEqual(maxRelativeDifference(got, want), 1e-4, "\(label): prn differs from onnxruntime\n\(log)")
            }
        }
        // PyTorch's count_include_pad=True arrives as a Pad before the pool, folded into it.
        let pools = try load("pools", 17, dir).nodes.compactMap { $0.layer as? AvgPool2d }
        XCTAssertEqual(pools.map(\.config), [
            ["kernel": 3, "stride": 2, "padding": 1, "ceil_mode": 1, "count_include_pad": 1],
            ["kernel": 3, "stride": 2, "padding": 1, "ceil_mode": 1], ["kernel": 2, "stride": 2, "ceil_mode": 1],
            ["kernel": 3, "stride": 1, "padding": 1, "count_include_pad": 1],
        ])
        let norms = try load("convnorms", 13, dir).nodes.compactMap { $0.layer as? LayerNorm }
        XCTAssertEqual(norms.map(\.normalizedShape), [[6, 7, 9], [9]])
        XCTAssertEqual(norms.map(\.eps), [1e-5, 1e-3])
        XCTAssertEqual(try load("convnorms", 17, dir).nodes.map(\.name), try load("convnorms", 13, dir).nodes.map(\.name))
    }

    /// Each imported model trains a step, exports to a graph onnxruntime runs with prn's
    /// outputs, imports back with the same layers, and loads from a model file with the same logits.
    func testImportedModelsTrainExportAndRoundTrip() throws {
        let (python, dir, log) = try exports()
        var compared: [OnnxRuntimeComparison.Case] = []
        for (name, shape, _) in Self.cases {
            for opset in [13, 17] {
                let label = "\(name)-\(opset)"
                let model = try load(name, opset, dir)
                let x = ModelFixtures.input(shape, batch: 3)
                let before = ModelFixtures.logits(model, x)
                let logits = model.forward(x, mode: .train)
                let loss = SoftmaxCrossEntropy()
                let labels: [Int32] = [0, 3, 1]
                _ = labels.withUnsafeBufferPointer { loss(logits, labels: $0) }
                model.zeroGrad()
                model.backward(try XCTUnwrap(loss.gradient, label))
                for p in model.trainableParameters {
                    XCTAssertTrue(p.grad.array.allSatisfy(\.isFinite), "\(label) \(p.name)")
                }
                SGD(learningRate: 0.05, momentum: 0.9).step(model.trainableParameters)
                XCTAssertNotEqual(ModelFixtures.logits(model, x), before, "\(label): the step changed nothing")
                compared.append(.init(label: label, model: model, input: x))

                let file = dir.appendingPathComponent("\(label).safetensors")
                try ModelFile.save(model, to: file)
                let loaded = try ModelFile.load(from: file).model
                XCTAssertEqual(loaded.nodes.compactMap { $0.layer?.config }, model.nodes.compactMap { $0.layer?.config }, label)
                XCTAssertEqual(ModelFixtures.logits(loaded, x), ModelFixtures.logits(model, x), label)
            }
        }
        // Its own directory: the comparison's file names would overwrite the exported ones.
        let work = try makeWorkDirectory()
        defer { try? FileManager.default.removeItem(at: work) }
        try OnnxRuntimeComparison.check(compared, python: python, in: work, context: log)
        for c in compared {
            let again = try ONNXImport.load(from: work.appendingPathComponent("\(c.label).onnx"))
            // GlobalAveragePool comes back with the Flatten ONNX needs after it.
            XCTAssertEqual(again.nodes.compactMap { $0.layer?.kind }.filter { $0 != "flatten" },
                           c.model.nodes.compactMap { $0.layer?.kind }.filter { $0 != "flatten" }, c.label)
            XCTAssertLessThanOrEqual(maxRelativeDifference(ModelFixtures.logits(again, c.input), ModelFixtures.logits(c.model, c.input)), 1e-5, c.label)
        }
    }

    /// Channels prune through padded ceil-mode average pools and through layer norms (sliced with
    /// their channels or features); a softmax head keeps its classes, for the classes' reason.
    func testChannelsPruneThroughPoolsAndNorms() throws {
        let (python, dir, log) = try exports()
        var compared: [OnnxRuntimeComparison.Case] = []
        for (name, shape, _) in Self.cases {
            let model = try load(name, 17, dir)
            let structure = try StructureAnalysis(model)
            XCTAssertEqual(structure.fixed.filter { !$0.reachesOutput }.map(\.name), [], "\(name): left whole")
            for f in structure.fixed where f.reachesOutput {
                XCTAssertTrue(f.reason.hasPrefix("output"), "\(name) \(f.name): \(f.reason)")
            }
            let granularity: Granularity = shape.count == 1 ? .neurons : .channels
            let params = model.parameterCount
            let scores = try MagnitudeScorer().score(model, data: nil, options: ScoreOptions(granularity: granularity))
            try Pruner.prune(model, scores: scores, request: PruneRequest(amount: .ratio(0.5)))
            XCTAssertLessThan(model.parameterCount, params, name)
            let x = ModelFixtures.input(shape, batch: 2)
            XCTAssertTrue(ModelFixtures.logits(model, x).allSatisfy(\.isFinite), name)
            compared.append(.init(label: "\(name)-pruned", model: model, input: x))
        }
        let head = try load("head", 17, dir)
        let fc1 = try XCTUnwrap(StructureAnalysis(head).group(named: "fc1"))
        XCTAssertEqual(fc1.followerNames, ["ln"])
        let work = try makeWorkDirectory()
        defer { try? FileManager.default.removeItem(at: work) }
        try OnnxRuntimeComparison.check(compared, python: python, in: work, context: log)
    }

    /// A softmax in the middle of a model pins the units it reads, saying why.
    func testSoftmaxInsideTheModelPinsItsInputs() throws {
        let model = Model(inputShape: [6], classes: 3)
        var rng = RandomStream(seed: 4)
        let a = Linear(6, 8), b = Linear(8, 3)
        a.initialize(&rng); b.initialize(&rng)
        _ = model.add("fc1", a)
        _ = model.add("attention", Softmax())
        _ = model.add("fc2", b)
        let structure = try StructureAnalysis(model)
        let fixed = try XCTUnwrap(structure.fixed.first { $0.name == "fc1" })
        XCTAssertTrue(fixed.reason.contains("softmax attention normalises over all its inputs"), fixed.reason)
    }
}

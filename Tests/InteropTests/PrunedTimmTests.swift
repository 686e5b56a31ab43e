import Engine
import Foundation
import ONNX
import Pruning
import XCTest

/// Small transformer-free CNNs from timm, exported by torch.onnx: MobileNetV3 (squeeze-excite
/// gated by HardSigmoid, HardSwish), EfficientNet-B0 (squeeze-excite gated by Sigmoid, SiLU) and
/// LCNet (a plain stack of depthwise-separable blocks, squeeze-excite at the end) and ResNet10-T
/// (a deep stem, average-pooled shortcuts in ceil mode). They import
/// with onnxruntime's logits, prune at every ratio with the squeeze-excite channels coupled to
/// the maps they scale and nothing left whole, train a step, and their export reproduces prn's
/// logits in onnxruntime (and in prn, imported back). Weights are random (pretrained=False:
/// nothing is downloaded).
final class PrunedTimmTests: XCTestCase, ExportedNetworkCases {
    static let networks: [(name: String, size: Int)] = [
        ("mobilenetv3_small_050", 64), ("efficientnet_b0", 64), ("lcnet_050", 64),
        // Its downsampling shortcuts pool with AvgPool2d(2, 2, ceil_mode=True, count_include_pad=False).
        ("resnet10t", 64),
    ]

    static let exporter = #"""
    import sys
    import numpy as np
    import onnxruntime as ort
    import timm
    import torch

    out = sys.argv[1]
    torch.manual_seed(0)
    for spec in sys.argv[2:]:
        name, size = spec.split(":")
        model = timm.create_model(name, pretrained=False)
        with torch.no_grad():
            for m in model.modules():
                if isinstance(m, torch.nn.BatchNorm2d):
                    m.weight.uniform_(0.5, 1.5); m.bias.uniform_(-0.2, 0.2)
                    m.running_mean.uniform_(-0.2, 0.2); m.running_var.uniform_(0.5, 1.5)
                elif isinstance(m, torch.nn.Linear):
                    m.weight.normal_(0, 0.05)
        model.eval()
        x = torch.randn(2, 3, int(size), int(size))
        x.numpy().astype("<f4").tofile(f"{out}/{name}.in")
        path = f"{out}/{name}.onnx"
        torch.onnx.export(model, x, path, input_names=["input"], output_names=["logits"], opset_version=13,
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
        (y,) = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(["logits"], {"input": x.numpy()})
        y.astype("<f4").tofile(f"{out}/{name}.out")
        print("exported", name, "largest logit", float(np.abs(y).max()))
    """#

    static let modules = ["torch", "timm", "onnx", "onnxruntime", "numpy"]

    func testTimmNetworksImportAndPruneAtEveryRatio() throws {
        let python = try PythonRunner.require(Self.modules)
        let dir = try makeWorkDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = try exported(python, in: dir)
        for (name, size) in Self.networks {
            let probe = try load(name, dir)
            XCTAssertEqual(probe.classes, 1000, name)
            let input = try RawFloats.read(dir.appendingPathComponent("\(name).in"))
            let want = try RawFloats.read(dir.appendingPathComponent("\(name).out"))
            let got = probe.forward(Tensor(shape: [2, 3, size, size], values: input), mode: .eval).array
            XCTAssertEqual(got.count, want.count, name)
            if got.count == want.count {
                let scale = want.map(abs).max() ?? 0
                XCTAssertGreaterThan(scale, 0.1, "\(name): logits too small to compare\n\(log)")
                XCTAssertLessThanOrEqual(maxAbsDifference(got, want) / scale, 1e-4, "\(name): prn differs from onnxruntime\n\(log)")
            }
            let structure = try StructureAnalysis(probe)
            XCTAssertEqual(structure.fixed.filter { !$0.reachesOutput }.map(\.name), [], "\(name): left whole\n\(log)")
            if name == "mobilenetv3_small_050" {
                // The product keeps the squeeze-excite module's name; its squeeze is "<module>.pool".
                let se = try XCTUnwrap(probe.node(named: "blocks.0.0.se"), name)
                XCTAssertTrue(probe.nodes[se].layer is Multiply, name)
                let pool = try XCTUnwrap(probe.node(named: "blocks.0.0.se.pool"), name)
                XCTAssertEqual((probe.nodes[pool].layer as? GlobalAvgPool)?.keepDims, true, name)
            }
            if name == "resnet10t" {
                // Each stage's shortcut (an average pool, then a 1x1 convolution) is tied to its block's output by the add.
                let pools = probe.nodes.filter { ($0.layer as? AvgPool2d)?.ceilMode == true }
                XCTAssertFalse(pools.isEmpty, "\(name): no ceil-mode average pool imported")
                XCTAssertTrue(structure.channelGroups.contains { !$0.joins.isEmpty }, "\(name): no residual group")
            } else {
                let products = Set(probe.nodes.filter { $0.layer is Multiply }.map(\.name))
                XCTAssertFalse(products.isEmpty, "\(name): no squeeze-excite product imported")
                XCTAssertTrue(structure.channelGroups.contains { !Set($0.joins).isDisjoint(with: products) },
                              "\(name): no group is coupled through a squeeze-excite product")
            }
            for ratio in (1...9).map({ Double($0) / 10 }) {
                let model = try load(name, dir)
                let report = try pruneChannels(model, ratio)
                XCTAssertEqual(report.realizedSparsity, ratio, accuracy: 0.05, "\(name) \(ratio)")
                let y = model.forward(ModelFixtures.input([3, size, size], batch: 1), mode: .eval)
                XCTAssertEqual(y.shape, [1, 1000], "\(name) \(ratio)")
                XCTAssertTrue(y.array.allSatisfy(\.isFinite), "\(name) \(ratio)")
            }
        }
    }

    func testPrunedTimmNetworksTrainAndExportToOnnxRuntime() throws {
        let python = try PythonRunner.require(Self.modules)
        let dir = try makeWorkDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let exportLog = try exported(python, in: dir)
        var cases: [OnnxRuntimeComparison.Case] = []
        for (name, size) in Self.networks {
            let model = try load(name, dir)
            let params = model.parameterCount
            let report = try pruneChannels(model, 0.3)
            XCTAssertFalse(report.text.contains("left whole"), "\(name)\n\(report.text)")
            XCTAssertTrue(report.text.contains("coupled groups"), "\(name)\n\(report.text)")
            XCTAssertLessThan(model.parameterCount, params, name)
            // One training step on a batch of two.
            let x = ModelFixtures.input([3, size, size], batch: 2)
            let logits = model.forward(x, mode: .train)
            XCTAssertEqual(logits.shape, [2, 1000], name)
            let loss = SoftmaxCrossEntropy()
            let labels: [Int32] = [1, 7]
            _ = labels.withUnsafeBufferPointer { loss(logits, labels: $0) }
            model.zeroGrad()
            model.backward(try XCTUnwrap(loss.gradient, name))
            for p in model.trainableParameters { XCTAssertEqual(p.grad.shape, p.value.shape, "\(name) \(p.name)") }
            SGD(learningRate: 0.01, momentum: 0.9).step(model.trainableParameters)
            cases.append(.init(label: "\(name)-pruned", model: model, input: x))
        }
        try OnnxRuntimeComparison.check(cases, python: python, in: dir, context: exportLog)
        // The pruned exports import back, and the pruned models save to and load from prn's
        // model file, with prn's logits.
        for c in cases {
            let want = ModelFixtures.logits(c.model, c.input)
            let reimported = try ONNXImport.load(from: dir.appendingPathComponent("\(c.label).onnx"))
            XCTAssertLessThanOrEqual(maxAbsDifference(ModelFixtures.logits(reimported, c.input), want) / max(want.map(abs).max() ?? 0, 1),
                                     1e-5, "\(c.label): re-imported export")
            let file = dir.appendingPathComponent("\(c.label).safetensors")
            try ModelFile.save(c.model, to: file)
            XCTAssertEqual(ModelFixtures.logits(try ModelFile.load(from: file).model, c.input), want, "\(c.label): model file")
        }
    }
}

import Engine
import Foundation
import ONNX
import Pruning
import XCTest

/// torchvision networks with residual adds (ResNet-18, ResNet-50), depthwise convolutions
/// (MobileNetV2), concatenations (SqueezeNet 1.1) and a plain stack (VGG-11 with batch norm),
/// exported by torch.onnx and imported: their channels prune as dependency groups at every
/// ratio with none left whole, the pruned networks run and train a step, and their ONNX export
/// reproduces prn's logits in onnxruntime. Weights are random (nothing is downloaded).
final class PrunedTorchvisionTests: XCTestCase, ExportedNetworkCases {
    /// VGG's classifier reads a 7x7 map: the adaptive pool exports only at 224x224 input.
    static let networks: [(name: String, size: Int)] = [
        ("resnet18", 64), ("resnet50", 64), ("mobilenet_v2", 64), ("squeezenet1_1", 64), ("vgg11_bn", 224),
    ]

    static let exporter = #"""
    import sys
    import torch
    import torchvision

    out = sys.argv[1]
    torch.manual_seed(0)
    for spec in sys.argv[2:]:
        name, size = spec.split(":")
        model = getattr(torchvision.models, name)(weights=None)
        with torch.no_grad():
            for m in model.modules():
                if isinstance(m, torch.nn.BatchNorm2d):
                    m.weight.uniform_(0.5, 1.5); m.bias.uniform_(-0.2, 0.2)
                    m.running_mean.uniform_(-0.2, 0.2); m.running_var.uniform_(0.5, 1.5)
        model.eval()
        torch.onnx.export(model, torch.randn(1, 3, int(size), int(size)), f"{out}/{name}.onnx", input_names=["input"],
                          output_names=["logits"], opset_version=13, dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
        print("exported", name)
    """#

    func testTorchvisionNetworksPruneAtEveryRatio() throws {
        let python = try PythonRunner.require(["torch", "torchvision", "onnx"])
        let dir = try makeWorkDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = try exported(python, in: dir)
        for (name, size) in Self.networks {
            let probe = try load(name, dir)
            let structure = try StructureAnalysis(probe)
            XCTAssertEqual(structure.fixed.filter { !$0.reachesOutput }.map(\.name), [], "\(name): left whole\n\(log)")
            for ratio in (1...9).map({ Double($0) / 10 }) {
                let model = try load(name, dir)
                let report = try pruneChannels(model, ratio)
                XCTAssertEqual(report.realizedSparsity, ratio, accuracy: 0.05, "\(name) \(ratio)")
                XCTAssertEqual(try model.shapes().last, [1000], "\(name) \(ratio)")
                let y = model.forward(ModelFixtures.input([3, size, size], batch: 1), mode: .eval)
                XCTAssertEqual(y.shape, [1, 1000], "\(name) \(ratio)")
                XCTAssertTrue(y.array.allSatisfy(\.isFinite), "\(name) \(ratio)")
            }
        }
    }

    func testPrunedTorchvisionNetworksTrainAndExportToOnnxRuntime() throws {
        let python = try PythonRunner.require(["torch", "torchvision", "onnxruntime", "onnx", "numpy"])
        let dir = try makeWorkDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let exportLog = try exported(python, in: dir)
        var cases: [OnnxRuntimeComparison.Case] = []
        for (name, size) in Self.networks {
            let model = try load(name, dir)
            let params = model.parameterCount
            let report = try pruneChannels(model, 0.3)
            XCTAssertFalse(report.text.contains("left whole"), "\(name)\n\(report.text)")
            XCTAssertLessThan(model.parameterCount, params, name)
            if name != "vgg11_bn" { XCTAssertTrue(report.text.contains("coupled groups"), "\(name)\n\(report.text)") }
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
    }
}

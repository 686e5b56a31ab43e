import Engine
import Foundation
import XCTest

/// Models with the activations, general convolutions, padded pools, concat and a squeeze-excite
/// block (a pool keeping [C, 1, 1], a map times its gate) save to prn's
/// model file, load back with the same logits, and rebuild in PyTorch through the stored
/// architecture (scripts/prn_models.py) with prn's logits.
final class NewLayerModelFileTests: XCTestCase {
    static let runner = #"""
    import sys
    import numpy as np
    import torch
    import prn_models

    path, shape = sys.argv[1], [int(v) for v in sys.argv[2].split(",")]
    model = prn_models.from_prn_file(f"{path}.safetensors")
    model.eval()
    x = torch.from_numpy(np.fromfile(f"{path}.in", dtype="<f4").reshape(shape))
    with torch.no_grad():
        model(x).numpy().astype("<f4").tofile(f"{path}.out")
    """#

    private let cases: [(String, Model, [Int])] = [
        ("activations", TorchvisionOpsImportTests.activationsModel(), [6]),
        ("convolutions", TorchvisionOpsImportTests.convolutionsModel(), [4, 9, 8]),
        ("pools-and-norms", NewLayerModelFileTests.poolsAndNormsModel(), [3, 7, 9]),
        ("squeeze-excite", squeezeExciteModel(), [3, 6, 6]),
    ]

    /// Padded ceil-mode average pools (both divisors), layer norms over [C, H, W] and over
    /// features, and a log-softmax head.
    static func poolsAndNormsModel() -> Model {
        let model = Model(inputShape: [3, 7, 9], classes: 4)
        var rng = RandomStream(seed: 12)
        let conv = Conv2d(3, 6, kernel: 3, padding: 1), fc1 = Linear(6 * 3 * 3, 10), fc2 = Linear(10, 4)
        conv.initialize(&rng); fc1.initialize(&rng); fc2.initialize(&rng)
        let norm = LayerNorm([6, 7, 9]), features = LayerNorm([10], eps: 1e-3)
        for p in norm.parameters + features.parameters { for i in 0..<p.value.count { p.value[i] += rng.uniform(-0.3, 0.3) } }
        _ = model.add("conv", conv)
        _ = model.add("norm", norm)
        _ = model.add("pool1", AvgPool2d(kernel: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: true))
        _ = model.add("pool2", AvgPool2d(kernel: 3, stride: 2, padding: 1, ceilMode: true))
        _ = model.add("flatten", Flatten())
        _ = model.add("fc1", fc1)
        _ = model.add("features", features)
        _ = model.add("fc2", fc2)
        _ = model.add("head", Softmax(log: true))
        return model
    }

    /// conv, then x * hardsigmoid(conv(relu(conv(mean(x))))), then a 1x1 conv head on the pooled map.
    static func squeezeExciteModel() -> Model {
        var rng = RandomStream(seed: 12, stream: "test.se-file")
        let m = Model(inputShape: [3, 6, 6], classes: 4)
        func conv(_ name: String, _ cin: Int, _ cout: Int, _ k: Int) -> Int {
            let c = Conv2d(cin, cout, kernel: k, padding: k / 2, bias: true)
            c.initialize(&rng)
            for i in 0..<cout { c.bias?.value[i] = 0.05 * Float(i % 4) }
            return m.add(name, c)
        }
        _ = conv("stem", 3, 8, 3)
        let x = m.add("stem.act", SiLU())
        _ = m.add("se.pool", GlobalAvgPool(keepDims: true))
        _ = conv("se.reduce", 8, 3, 1)
        _ = m.add("se.relu", ReLU())
        _ = conv("se.expand", 3, 8, 1)
        let gate = m.add("se.gate", HardSigmoid(alpha: 1.0 / 6, beta: 0.5))
        _ = m.add("se.mul", Multiply(), inputs: [x, gate])
        _ = m.add("pool", GlobalAvgPool(keepDims: true))
        _ = conv("head", 8, 4, 1)
        _ = m.add("flatten", Flatten())
        return m
    }

    func testModelFilesRoundTrip() throws {
        let dir = try makeWorkDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for (label, model, sample) in cases {
            let file = dir.appendingPathComponent("\(label).safetensors")
            try ModelFile.save(model, to: file)
            let loaded = try ModelFile.load(from: file).model
            XCTAssertEqual(loaded.nodes.compactMap { $0.layer?.config }, model.nodes.compactMap { $0.layer?.config }, label)
            let x = ModelFixtures.input(sample, batch: 3)
            XCTAssertEqual(ModelFixtures.logits(loaded, x), ModelFixtures.logits(model, x), label)
        }
    }

    func testPyTorchRebuildsThemWithPrnLogits() throws {
        let python = try PythonRunner.require(["torch", "safetensors", "numpy"])
        let dir = try makeWorkDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for (label, model, sample) in cases {
            let base = dir.appendingPathComponent(label)
            try ModelFile.save(model, to: base.appendingPathExtension("safetensors"))
            let x = ModelFixtures.input(sample, batch: 3)
            try RawFloats.write(x.array, to: base.appendingPathExtension("in"))
            _ = try PythonRunner.script(python, Self.runner, in: dir,
                                        arguments: [base.path, ([3] + sample).map(String.init).joined(separator: ",")])
            let got = try RawFloats.read(base.appendingPathExtension("out"))
            let want = ModelFixtures.logits(model, x)
            XCTAssertEqual(got.count, want.count, label)
            guard got.count == want.count else { continue }
            XCTAssertLessThanOrEqual(maxRelativeDifference(got, want), 1e-4, "\(label): PyTorch differs from prn")
        }
    }
}

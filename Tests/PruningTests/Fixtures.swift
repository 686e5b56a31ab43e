import Engine
import Pruning
import XCTest

/// Small zoo configurations that keep the whole matrix fast in release mode.
enum Fixtures {
    static let zoo: [(name: String, input: [Int], width: Double)] = [
        ("mlp", [1, 12, 12], 0.25), ("lenet300", [1, 28, 28], 0.25), ("lenet5", [1, 28, 28], 1),
        ("vgg-small", [3, 16, 16], 0.25), ("vgg11", [3, 16, 16], 0.25), ("vgg16", [3, 16, 16], 0.25),
        ("resnet20", [3, 16, 16], 0.5), ("resnet56", [3, 16, 16], 0.25),
    ]

    static func model(_ name: String, input: [Int], width: Double = 1, classes: Int = 4,
                      norm: NormKind? = nil, seed: UInt64 = 1) throws -> Model {
        try Zoo.build(name, ZooOptions(inputShape: input, classes: classes, norm: norm, width: width, seed: seed))
    }

    static func data(_ input: [Int], classes: Int = 4, count: Int = 64, seed: UInt64 = 3) throws -> Dataset {
        try SyntheticData.make(.init(trainCount: count, testCount: 8, classes: classes, sampleShape: input), seed: seed).train
    }

    static func batch(_ input: [Int], _ n: Int, seed: UInt64 = 5) -> Tensor {
        let x = Tensor(shape: [n] + input)
        var rng = RandomStream(seed: seed, stream: "test.batch")
        for i in 0..<x.count { x[i] = rng.normal() }
        return x
    }

    /// Eval-mode output, copied (the model reuses its buffers).
    static func output(_ model: Model, _ x: Tensor) -> [Float] { model.forward(x, mode: .eval).array }

    /// Gives every BatchNorm non-trivial statistics and affine parameters, so equivalence tests
    /// are not passed by accident.
    static func randomizeNorms(_ model: Model, seed: UInt64 = 9) {
        var rng = RandomStream(seed: seed, stream: "test.norms")
        for node in model.nodes {
            guard let bn = node.layer as? BatchNorm else { continue }
            for c in 0..<bn.channels {
                bn.weight.value[c] = rng.uniform(0.5, 1.5)
                bn.bias.value[c] = rng.uniform(-0.2, 0.2)
                bn.runningMean.value[c] = rng.uniform(-0.1, 0.1)
                bn.runningVar.value[c] = rng.uniform(0.5, 2)
            }
        }
    }

    static func assertClose(_ a: [Float], _ b: [Float], tolerance: Float = 1e-4, _ message: String = "",
                            file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, "count " + message, file: file, line: line)
        var worst: Float = 0
        for (x, y) in zip(a, b) { worst = max(worst, abs(x - y) / max(1, abs(y))) }
        XCTAssertLessThanOrEqual(worst, tolerance, message, file: file, line: line)
    }
}

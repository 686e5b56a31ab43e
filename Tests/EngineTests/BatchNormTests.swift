import XCTest
@testable import Engine

final class BatchNormTests: XCTestCase {
    private func randomized(_ bn: BatchNorm, _ rng: inout RandomStream) {
        for c in 0..<bn.channels {
            bn.weight.value[c] = rng.uniform(0.5, 1.5)
            bn.bias.value[c] = rng.normal()
            bn.runningMean.value[c] = rng.normal()
            bn.runningVar.value[c] = rng.uniform(0.5, 2)
        }
    }

    func testGradientsTrainAndEval() {
        var rng = RandomStream(seed: 21)
        for shape in [[4, 3], [3, 2, 3, 3]] {
            for mode in [Mode.train, .eval] {
                let bn = BatchNorm(shape[1])
                randomized(bn, &rng)
                GradCheck.check(bn, inputs: [GradCheck.randomTensor(shape, &rng)], mode: mode, eps: 1e-2, tolerance: 3e-2)
            }
        }
    }

    func testRunningStatisticsByHand() {
        // Channel 0 sees 1, 2, 3, 6 (mean 3, biased var 3.5, unbiased 14/3); channel 1 sees 0, 0, 4, 4.
        let bn = BatchNorm(2, momentum: 0.1)
        let x = Tensor(shape: [2, 2, 1, 2], values: [1, 2, 0, 0, 3, 6, 4, 4])
        let y = bn.forward([x], mode: .train)
        XCTAssertEqual(bn.runningMean.value[0], 0.9 * 0 + 0.1 * 3, accuracy: 1e-6)
        XCTAssertEqual(bn.runningVar.value[0], 0.9 * 1 + 0.1 * (14.0 / 3), accuracy: 1e-6)
        XCTAssertEqual(bn.runningMean.value[1], 0.1 * 2, accuracy: 1e-6)
        XCTAssertEqual(bn.runningVar.value[1], 0.9 + 0.1 * (16.0 / 3), accuracy: 1e-6)
        // Normalised with the biased batch variance.
        XCTAssertEqual(y[0], (1 - 3) / (3.5 + 1e-5).squareRoot(), accuracy: 1e-5)
        XCTAssertEqual(y[2], (0 - 2) / (4 + 1e-5).squareRoot(), accuracy: 1e-5)
        // Eval uses the running estimates.
        let e = bn.forward([x], mode: .eval)
        XCTAssertEqual(e[0], (1 - 0.3) / (Float(0.9 + 0.1 * 14.0 / 3) + 1e-5).squareRoot(), accuracy: 1e-5)
        // A second train batch moves the estimates again by the momentum rule.
        _ = bn.forward([x], mode: .train)
        XCTAssertEqual(bn.runningMean.value[0], 0.9 * 0.3 + 0.1 * 3, accuracy: 1e-6)
    }

    func testParameterRolesAndDefaults() {
        let bn = BatchNorm(3)
        XCTAssertEqual(bn.parameters.map(\.name), ["weight", "bias", "running_mean", "running_var"])
        XCTAssertEqual(bn.parameters.map(\.role), [.scale, .bias, .buffer, .buffer])
        XCTAssertEqual(bn.weight.value.array, [1, 1, 1])
        XCTAssertEqual(bn.runningVar.value.array, [1, 1, 1])
        XCTAssertThrowsError(try bn.outputShape([[4, 2, 2]]))
        XCTAssertEqual(try bn.outputShape([[3, 2, 2]]), [3, 2, 2])
    }
}

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

    /// Training statistics of channels whose mean is large against their spread (mean 1000, sd
    /// 0.01; and an ordinary channel beside them): the one-pass sums centre on one of the channel's
    /// own values, so the variance keeps its digits and the output still has mean 0 and sd 1.
    func testStatisticsOfAChannelFarFromZero() {
        var rng = RandomStream(seed: 22)
        let batch = 6, hw = 37
        let bn = BatchNorm(2)
        let x = Tensor(shape: [batch, 2, 1, hw])
        for b in 0..<batch {
            for q in 0..<hw {
                x[(b * 2) * hw + q] = 1000 + 0.01 * rng.normal()
                x[(b * 2 + 1) * hw + q] = rng.normal()
            }
        }
        for ch in 0..<2 {
            var values: [Double] = []
            for b in 0..<batch { for q in 0..<hw { values.append(Double(x[(b * 2 + ch) * hw + q])) } }
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)
            let y = bn.forward([x], mode: .train)
            var outputs: [Double] = []
            for b in 0..<batch { for q in 0..<hw { outputs.append(Double(y[(b * 2 + ch) * hw + q])) } }
            let outMean = outputs.reduce(0, +) / Double(outputs.count)
            let outVariance = outputs.map { ($0 - outMean) * ($0 - outMean) }.reduce(0, +) / Double(outputs.count)
            XCTAssertEqual(outMean, 0, accuracy: 1e-2, "channel \(ch)")
            XCTAssertEqual(outVariance, variance / (variance + 1e-5), accuracy: 2e-2, "channel \(ch)")
        }
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

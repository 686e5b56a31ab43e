import XCTest
@testable import Engine

final class SigmoidBatchNormTests: XCTestCase {
    func testGradientsImportancesAndNoShift() {
        var rng = RandomStream(seed: 22)
        for mode in [Mode.train, .eval] {
            let s = SigmoidBatchNorm(3)
            s.initialize(&rng)
            for c in 0..<3 { s.runningVar.value[c] = rng.uniform(0.5, 2); s.runningMean.value[c] = rng.normal() }
            GradCheck.check(s, inputs: [GradCheck.randomTensor([3, 3, 2, 2], &rng)], mode: mode, tolerance: 3e-2)
        }
        let s = SigmoidBatchNorm(2)
        s.weight.value[0] = 0; s.weight.value[1] = 2
        XCTAssertEqual(s.importances[0], 0.5, accuracy: 1e-6)
        XCTAssertEqual(s.importances[1], 1 / (1 + expf(-2)), accuracy: 1e-6)
        XCTAssertEqual(s.weight.group, "sigmoid-bn")
        XCTAssertEqual(s.weight.role, .scale)
        // No shift: a constant-per-channel input normalises to exactly zero.
        let y = s.forward([Tensor(shape: [2, 2], values: [1, 5, 3, 5])], mode: .train)
        XCTAssertEqual(y[1], 0, accuracy: 1e-6)
        XCTAssertEqual(y[0], 0.5 * -1 / (1 + 1e-5).squareRoot(), accuracy: 1e-5)
    }
}

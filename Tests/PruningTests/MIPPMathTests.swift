import Engine
import Pruning
import XCTest

/// The numerical pieces of MIPP: the t-test, and the ridge downdate against refitting.
final class MIPPMathTests: XCTestCase {
    func testStudentTMatchesTables() {
        // Textbook critical values: t_{0.95,1} = 6.3138, t_{0.95,4} = 2.1318, t_{0.975,10} = 2.2281.
        XCTAssertEqual(StudentT.cdf(6.3138, degreesOfFreedom: 1), 0.95, accuracy: 1e-4)
        XCTAssertEqual(StudentT.cdf(2.1318, degreesOfFreedom: 4), 0.95, accuracy: 1e-4)
        XCTAssertEqual(StudentT.cdf(-2.1318, degreesOfFreedom: 4), 0.05, accuracy: 1e-4)
        XCTAssertEqual(StudentT.cdf(0, degreesOfFreedom: 7), 0.5, accuracy: 1e-12)
        XCTAssertEqual(StudentT.quantile(0.975, degreesOfFreedom: 10), 2.2281, accuracy: 1e-3)
        XCTAssertEqual(StudentT.quantile(0.95, degreesOfFreedom: 30), 1.6973, accuracy: 1e-3)
    }

    func testOneSidedTTestDecisions() {
        // mean 1, sd 0.079: t = 28 >> 2.13.
        XCTAssertTrue(MIPPTTest.exceeds([1, 1.1, 0.9, 1.05, 0.95], margin: 0, confidence: 0.95))
        // Centred on zero: never significant.
        XCTAssertFalse(MIPPTTest.exceeds([0.1, -0.1, 0.05, -0.05, 0], margin: 0, confidence: 0.95))
        // Positive mean but noisy: mean 0.2, sd 0.5, t = 0.89 < 2.13.
        XCTAssertFalse(MIPPTTest.exceeds([0.9, -0.3, 0.5, -0.2, 0.1], margin: 0, confidence: 0.95))
        // The same samples pass a lax confidence (t_{0.75,4} = 0.74) but not 0.8 (t_{0.8,4} = 0.94).
        XCTAssertTrue(MIPPTTest.exceeds([0.9, -0.3, 0.5, -0.2, 0.1], margin: 0, confidence: 0.75))
        XCTAssertFalse(MIPPTTest.exceeds([0.9, -0.3, 0.5, -0.2, 0.1], margin: 0, confidence: 0.8))
        // The margin is what must be exceeded.
        XCTAssertFalse(MIPPTTest.exceeds([1, 1.1, 0.9, 1.05, 0.95], margin: 1, confidence: 0.95))
        // Identical estimates decide by the mean alone.
        XCTAssertTrue(MIPPTTest.exceeds([0.3, 0.3, 0.3], margin: 0, confidence: 0.99))
        XCTAssertFalse(MIPPTTest.exceeds([0, 0, 0], margin: 0, confidence: 0.5))
    }

    /// A random regression problem with correlated inputs and a noisy linear target.
    private func problem(rows: Int = 300, inputs: Int = 10, outputs: Int = 3, seed: UInt64 = 4) -> MIPPProblem {
        var rng = RandomStream(seed: seed, stream: "test.mipp.problem")
        var x = [Float](repeating: 0, count: rows * inputs), y = [Float](repeating: 0, count: rows * outputs)
        let w = (0..<(inputs * outputs)).map { _ in rng.normal() }
        for r in 0..<rows {
            let shared = rng.normal()
            for i in 0..<inputs { x[r * inputs + i] = rng.normal() + 0.5 * shared + Float(i) }
            for j in 0..<outputs {
                var s: Float = 0.3 * rng.normal()
                for i in 0..<inputs { s += w[i * outputs + j] * x[r * inputs + i] }
                y[r * outputs + j] = s
            }
        }
        return MIPPProblem(x: x, y: y, rows: rows, inputs: inputs, outputs: outputs)
    }

    private func dropping(_ p: MIPPProblem, _ removed: Set<Int>) -> MIPPProblem {
        let keep = (0..<p.inputs).filter { !removed.contains($0) }
        var x = [Float]()
        for r in 0..<p.rows { for i in keep { x.append(p.x[r * p.inputs + i]) } }
        return MIPPProblem(x: x, y: p.y, rows: p.rows, inputs: keep.count, outputs: p.outputs)
    }

    func testRidgeDowndateEqualsRefitWithoutTheInput() {
        let p = problem()
        let validation = p.validationSamples(seed: 11)
        let ridge = MIPPRidge(MIPPFold(p, validation: validation))
        var removed = Set<Int>()
        for i in [3, 7, 0, 9] {
            let predicted = ridge.lossWithout(i)
            removed.insert(i)
            let refit = MIPPRidge(MIPPFold(dropping(p, removed), validation: validation))
            XCTAssertEqual(predicted, refit.loss, accuracy: 1e-5 * refit.loss, "loss without input \(i)")
            ridge.remove(i)
            XCTAssertEqual(ridge.loss, refit.loss, accuracy: 1e-5 * refit.loss, "loss after removing \(i)")
        }
        // Removing inputs that matter costs loss: the downdate does not hide it.
        XCTAssertGreaterThan(ridge.loss, MIPPRidge(MIPPFold(p, validation: validation)).loss * 1.5)
    }

    /// Each repeat draws its own sample of the split: two repeats share about count/available of
    /// their samples, not the three quarters that folds of one sample share.
    func testRepeatsDrawIndependentSamples() {
        let draws = MIPPDraws(available: 60_000, count: 4096, repeats: 5, seed: 7)
        XCTAssertEqual(draws.positions.count, 5)
        let samples = draws.positions.map { Set($0.map { draws.union[$0] }) }
        for s in samples { XCTAssertEqual(s.count, 4096) }
        for a in 0..<5 {
            for b in (a + 1)..<5 {
                // Expected overlap 4096 * 4096 / 60000 = 280; folds of one sample would share 3072.
                XCTAssertLessThan(samples[a].intersection(samples[b]).count, 400, "repeats \(a) and \(b)")
            }
        }
        XCTAssertEqual(draws.union, Array(Set(samples.joined())).sorted(), "the union is what gets recorded")
        XCTAssertEqual(MIPPDraws(available: 60_000, count: 4096, repeats: 5, seed: 7), draws, "seeded")
        XCTAssertNotEqual(MIPPDraws(available: 60_000, count: 4096, repeats: 5, seed: 8), draws)
        XCTAssertFalse(draws.coincide)
        // samples=all: every repeat reads the whole split, so the repeats are disjoint folds of it.
        let all = MIPPDraws(available: 50, count: 50, repeats: 5, seed: 1)
        XCTAssertTrue(all.coincide)
        XCTAssertEqual(all.positions, Array(repeating: Array(0..<50), count: 5))
        let held = (0..<5).map { all.split(repeat: $0, seed: 1).validation }
        XCTAssertEqual(held.joined().sorted(), Array(0..<50), "five folds hold every sample out once")
        XCTAssertEqual(all.split(repeat: 2, seed: 1).train.count, 40)
    }

    func testARepeatSplitsItsOwnSamplesAndKeepsPositionsTogether() {
        var x = [Float](repeating: 0, count: 40 * 2)
        for k in x.indices { x[k] = Float(k % 7) }
        let p = MIPPProblem(x: x, y: x, rows: 40, inputs: 2, outputs: 2, rowsPerSample: 4)
        let own = [0, 2, 3, 5, 6, 9]
        let (train, validation) = MIPPDraws.split(own, repeat: 0, seed: 3)
        XCTAssertEqual((train + validation).sorted(), own, "the repeat's samples, each once")
        XCTAssertEqual(validation.count, 1, "a fifth held out (at least one)")
        let fold = MIPPFold(p, train: train, validation: validation)
        XCTAssertEqual(fold.validationRows, 4, "one sample of four rows")
        XCTAssertEqual(fold.trainRows, 20, "five samples of four rows; samples 1, 4, 7, 8 are not this repeat's")
    }

    func testConstantColumnsBecomeZeroAndCarryNothing() {
        var p = problem(inputs: 4)
        for r in 0..<p.rows { p.x[r * 4 + 2] = 5 }
        let fold = MIPPFold(p, validation: p.validationSamples(seed: 1))
        XCTAssertTrue((0..<fold.trainRows).allSatisfy { fold.xt[$0 * 4 + 2] == 0 })
        let ridge = MIPPRidge(fold)
        XCTAssertEqual(ridge.lossWithout(2), ridge.loss, accuracy: 1e-9 * ridge.loss)
    }
}

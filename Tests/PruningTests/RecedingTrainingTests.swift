import Engine
@testable import Pruning
import XCTest

/// Training with the receding penalty makes the gate importances bimodal: most channels end
/// clearly on (near 1) or clearly off (near 0), few in between; without it they stay spread.
final class RecedingTrainingTests: XCTestCase {
    private struct Outcome {
        var undecided: Double  // fraction of gates in (0.2, 0.8)
        var off: Double        // fraction below 0.2
        var on: Double         // fraction above 0.8
        var accuracy: Double
    }

    private func train(penalty lambda: Float?, shift: Float = 3, epochs: Int = 24, seed: UInt64) throws -> Outcome {
        let data = try SyntheticData.make(.init(trainCount: 1024, testCount: 256, classes: 4, sampleShape: [16], spread: 1.5), seed: seed)
        let model = try Zoo.build("mlp", ZooOptions(inputShape: [16], classes: 4, norm: .sigmoid, hidden: [48, 48], seed: seed))
        var o = TrainOptions()
        o.epochs = epochs
        o.batchSize = 64
        o.learningRate = 0.05
        o.momentum = 0.9
        o.nesterov = true
        o.weightDecay = 1e-4
        // What `train` gives the sigmoid-BN group by default: 10x the rate, no weight decay.
        o.groups["sigmoid-bn"] = ParameterGroupRule(lrMultiplier: 10, weightDecay: false)
        o.seed = seed
        let trainer = Trainer(model: model, options: o)
        if let lambda { trainer.penalties = [try RecedingPenalty(lambda: lambda, shift: shift)] }
        _ = try trainer.run(on: data.train)
        let gates = try RecedingScorer().score(model, data: nil, options: ScoreOptions(granularity: .neurons)).units.values.joined()
        let n = Double(gates.count)
        let accuracy = try Evaluator.evaluate(model, on: data.test).top1
        return Outcome(undecided: Double(gates.filter { $0 > 0.2 && $0 < 0.8 }.count) / n,
                       off: Double(gates.filter { $0 <= 0.2 }.count) / n,
                       on: Double(gates.filter { $0 >= 0.8 }.count) / n, accuracy: accuracy)
    }

    /// The authors' ResNet-56 setting, shift 0, which recedes gates near 0.2; the strength is
    /// raised (0.01) so that 384 steps show what their 125k steps at 1e-4 do.
    func testThePenaltyMakesImportancesBimodal() throws {
        for seed: UInt64 in [1, 2] {
            let plain = try train(penalty: nil, seed: seed)
            let receding = try train(penalty: 0.01, shift: 0, seed: seed)
            XCTAssertGreaterThan(plain.undecided, 0.5, "seed \(seed): without the penalty most gates stay in between")
            XCTAssertLessThan(receding.undecided, 0.15, "seed \(seed): few gates stay in between")
            XCTAssertLessThan(receding.undecided, plain.undecided / 4, "seed \(seed): far fewer than without the penalty")
            XCTAssertGreaterThan(receding.off, 0.5, "seed \(seed): most channels switched off")
            XCTAssertGreaterThan(receding.on, 0.05, "seed \(seed): strong channels survive")
            XCTAssertGreaterThan(receding.accuracy, plain.accuracy - 0.05, "seed \(seed): the task is still learned")
        }
    }

    /// The default shift 3 only catches gates that have already fallen below about 0.05, so it
    /// acts more slowly; it still moves the same way.
    func testTheDefaultShiftRecedesTheSameWayMoreSlowly() throws {
        let plain = try train(penalty: nil, epochs: 60, seed: 1)
        let receding = try train(penalty: 0.05, shift: 3, epochs: 60, seed: 1)
        XCTAssertLessThan(receding.undecided, plain.undecided - 0.15)
        XCTAssertGreaterThan(receding.off, plain.off + 0.15)
        XCTAssertGreaterThanOrEqual(receding.on, plain.on - 0.05, "strong gates are left alone")
    }
}

import Engine
@testable import Pruning
import XCTest

/// Network slimming on vgg-small with ordinary batch norm: the L1 penalty on scales, |gamma| as
/// importance and the global quantile threshold, end to end through surgery.
final class SlimmingTests: XCTestCase {
    private func vgg(_ norm: NormKind) throws -> Model {
        try Zoo.build("vgg-small", ZooOptions(inputShape: [1, 12, 12], classes: 4, norm: norm, width: 0.25, seed: 3))
    }

    private func norms(_ model: Model) -> [BatchNorm] { model.nodes.compactMap { $0.layer as? BatchNorm } }

    func testPenaltyAddsTheSubgradientOfLambdaTimesL1() throws {
        let model = try vgg(.bn)
        var rng = RandomStream(seed: 5, stream: "test.gammas")
        for bn in norms(model) { for c in 0..<bn.channels { bn.weight.value[c] = rng.normal() } }
        model.zeroGrad()
        let penalty = try XCTUnwrap(MethodCatalog.penalty("l1")?.penalty([:], model: model) as? L1ScalePenalty)
        XCTAssertEqual(penalty.lambda, 1e-4, "slimming's published strength is the default")
        let value = penalty.apply(to: model)
        var sum: Double = 0
        for bn in norms(model) {
            for c in 0..<bn.channels {
                let g = bn.weight.value[c]
                sum += Double(abs(g))
                XCTAssertEqual(bn.weight.grad[c], g > 0 ? 1e-4 : -1e-4)
            }
        }
        XCTAssertEqual(value, 1e-4 * sum, accuracy: 1e-9)
        XCTAssertThrowsError(try MethodCatalog.penalty("l1")?.penalty([:], model: try vgg(.sigmoid))) {
            XCTAssertTrue("\($0)".contains("norm=bn"), "\($0)")
            XCTAssertEqual(($0 as? PruningError)?.kind, .unsupportedModel)
        }
    }

    func testScoresAreAbsoluteScalesAndGlobalPruningUsesTheQuantileThreshold() throws {
        let model = try vgg(.bn)
        let structure = try StructureAnalysis(model)
        var rng = RandomStream(seed: 6, stream: "test.gammas")
        for bn in norms(model) { for c in 0..<bn.channels { bn.weight.value[c] = rng.normal() } }
        let set = try SlimmingScorer().score(model, data: nil, options: ScoreOptions(granularity: .channels))
        let groups = try structure.requireGroups(.channels)
        XCTAssertEqual(groups.count, 6)
        var all = [Float]()
        for (g, bn) in zip(groups, norms(model)) {
            XCTAssertEqual(set.units[g.name], bn.weight.value.array.map { abs($0) })
            all += set.units[g.name] ?? []
        }
        let sorted = all.map(Double.init).sorted()
        for ratio in [0.5, 0.7, 0.9] {
            let pos = ratio * Double(sorted.count - 1), lo = Int(pos)
            let th = sorted[lo] + (sorted[lo + 1] - sorted[lo]) * (pos - Double(lo))
            let keep = try Allocator.allocate(model, scores: set, request: PruneRequest(amount: .ratio(ratio)), structure: structure)
            for g in groups {
                let s = set.units[g.name] ?? []
                let above = s.indices.filter { Double(s[$0]) > th }
                let expected = above.isEmpty ? [s.indices.max { s[$0] < s[$1] } ?? 0] : above
                XCTAssertEqual(keep.units[g.name], expected, "\(g.name) at \(ratio)")
            }
        }
    }

    func testSlimmingPipelineShrinksVGGSmallAndItStillRuns() throws {
        let model = try vgg(.bn)
        let data = try SyntheticData.make(.init(trainCount: 128, testCount: 32, classes: 4, sampleShape: [1, 12, 12]), seed: 2)
        var o = TrainOptions()
        o.epochs = 2
        o.batchSize = 32
        o.learningRate = 0.05
        let trainer = Trainer(model: model, options: o)
        trainer.penalties = [try L1ScalePenalty(lambda: 1e-4)]
        _ = try trainer.run(on: data.train)
        let set = try SlimmingScorer().score(model, data: nil, options: ScoreOptions(granularity: .channels))
        let report = try Pruner.prune(model, scores: set, request: PruneRequest(amount: .ratio(0.7)))
        XCTAssertLessThan(report.after.parameters, report.before.parameters / 2)
        XCTAssertEqual(report.realizedSparsity, 0.7, accuracy: 0.05)
        XCTAssertTrue(try Evaluator.evaluate(model, on: data.test).loss.isFinite)
    }
}

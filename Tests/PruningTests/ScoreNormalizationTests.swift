import Engine
import Foundation
import Pruning
import XCTest

/// Score normalisation between scoring and allocation: each mode's arithmetic, that it changes
/// only how layers trade against each other under `global`, and the case that made it needed
/// (contribution shares on LeNet-300-100, whose first layer a raw global ranking starves).
final class ScoreNormalizationTests: XCTestCase {
    func testEachModeAgainstItsDefinition() {
        let s: [Float] = [1, 2, 3, 6]
        XCTAssertEqual(ScoreNormalization.none.apply(s), s)
        XCTAssertEqual(ScoreNormalization.mean.apply(s), [1.0 / 3, 2.0 / 3, 1, 2].map { Float($0) })
        XCTAssertEqual(ScoreNormalization.max.apply(s), [1.0 / 6, 2.0 / 6, 3.0 / 6, 1].map { Float($0) })
        let norm = (1.0 + 4 + 9 + 36).squareRoot()
        XCTAssertEqual(ScoreNormalization.l2.apply(s), s.map { Float(Double($0) / norm) })
        let z = ScoreNormalization.standardize.apply(s).map(Double.init)
        let mean = z.reduce(0, +) / 4, variance = z.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 4
        XCTAssertEqual(mean, 0, accuracy: 1e-6)
        XCTAssertEqual(variance, 1, accuracy: 1e-5)
        XCTAssertEqual(z[0], (1 - 3) / 1.8708286933869707, accuracy: 1e-5)
    }

    func testStatisticsSkipEntriesNoLongerEligible() {
        // A masked weight (score 0) does not pull the layer's mean down.
        XCTAssertEqual(ScoreNormalization.mean.apply([0, 2, 4], eligible: [false, true, true]), [0, 2 / 3, 4 / 3])
        XCTAssertEqual(ScoreNormalization.max.apply([9, 2, 4], eligible: [false, true, true]), [2.25, 0.5, 1])
    }

    func testDegenerateLayersStayFinite() {
        for mode in ScoreNormalization.allCases {
            XCTAssertEqual(mode.apply([0, 0, 0]), [0, 0, 0], "\(mode)")
            XCTAssertEqual(mode.apply([]), [], "\(mode)")
            XCTAssertTrue(mode.apply([5, 5]).allSatisfy(\.isFinite), "\(mode)")
        }
        XCTAssertEqual(ScoreNormalization.standardize.apply([5, 5]), [0, 0], "no spread: every entry is average")
    }

    /// Layer "1" scores 100 times below layer "3": raw global ranking cuts it to min_keep, every
    /// normalisation compares the units with their own layer and spreads the cut.
    func testGlobalRankingComparesNormalisedScores() throws {
        let model = try Zoo.build("mlp", ZooOptions(inputShape: [4], classes: 2, hidden: [4, 4]))
        let s = try StructureAnalysis(model)
        let scores = ScoreSet(method: "hand", granularity: .neurons,
                              units: ["1": [0.01, 0.04, 0.03, 0.02], "3": [1, 4, 3, 2]])
        let raw = try Allocator.allocate(model, scores: scores, request: PruneRequest(amount: .ratio(0.5)), structure: s)
        XCTAssertEqual(raw.units["1"], [1], "raw scores: the low layer keeps only min_keep")
        for mode in [ScoreNormalization.mean, .max, .l2, .standardize] {
            let keep = try Allocator.allocate(model, scores: scores,
                                              request: PruneRequest(amount: .ratio(0.5), normalization: mode), structure: s)
            XCTAssertEqual(keep.units["1"], [1, 2], "\(mode)")
            XCTAssertEqual(keep.units["3"], [1, 2], "\(mode)")
        }
        // The scores' own default applies when the request names none.
        var own = scores
        own.normalization = .mean
        let byDefault = try Allocator.allocate(model, scores: own, request: PruneRequest(amount: .ratio(0.5)), structure: s)
        XCTAssertEqual(byDefault.units["1"], [1, 2])
    }

    func testLocalAllocationIgnoresNormalisation() throws {
        let model = try Zoo.build("mlp", ZooOptions(inputShape: [6], classes: 2, hidden: [5, 3]))
        let s = try StructureAnalysis(model)
        var scores = ScoreSet(method: "hand", granularity: .weights)
        var rng = RandomStream(seed: 4, stream: "test.normalize")
        for p in PrunableWeights.of(model) { scores.weights[p.name] = (0..<p.value.count).map { _ in rng.uniform() * 7 - 1 } }
        let plain = try Allocator.allocate(model, scores: scores, request: PruneRequest(amount: .ratio(0.6), scope: .local), structure: s)
        for mode in ScoreNormalization.allCases {
            let keep = try Allocator.allocate(model, scores: scores,
                                              request: PruneRequest(amount: .ratio(0.6), scope: .local, normalization: mode), structure: s)
            XCTAssertEqual(keep, plain, "\(mode)")
        }
    }

    func testTheReportNamesLayersKeepingFewerInputsThanUnits() throws {
        let model = try Zoo.build("mlp", ZooOptions(inputShape: [8], classes: 2, hidden: [6, 4]))
        var scores = ScoreSet(method: "hand", granularity: .weights)
        for p in PrunableWeights.of(model) {
            // The first layer scores far below the others, so raw global ranking empties it to min_keep.
            let scale: Float = p.name.hasPrefix("1.") ? 0.001 : 1
            scores.weights[p.name] = (0..<p.value.count).map { Float($0 + 1) * scale }
        }
        let report = try Pruner.prune(model, scores: scores, request: PruneRequest(amount: .ratio(0.7), normalization: ScoreNormalization.none))
        XCTAssertEqual(report.starved, ["1"], "layer 1 keeps 1 weight for its 6 units")
        XCTAssertTrue(report.notes.contains { $0.contains("warning: 1 (0.17 per unit) kept fewer than 1 weight") }, report.notes.joined(separator: "\n"))
        XCTAssertTrue(report.notes.contains { $0.hasPrefix("  kept per layer: 1 1/48") }, report.notes.joined(separator: "\n"))
        XCTAssertEqual(report.normalization, "none")
    }

    /// The case from the method's results: contribution at 98% global on LeNet-300-100. Raw
    /// shares (about 1/fan-in) leave the 784-input first layer about one weight per unit;
    /// the method's default normalisation keeps every layer several inputs per unit.
    func testContributionAt98PercentNoLongerStarvesTheFirstLayer() throws {
        guard let dataRoot = ProcessInfo.processInfo.environment["PRN_DATA"], !dataRoot.isEmpty else {
            throw XCTSkip("PRN_DATA is not set: set it to a folder holding mnist/ (scripts/test does)")
        }
        let bundle = try DataCatalog(environment: ["PRN_DATA": dataRoot]).load("mnist")
        let model = try Zoo.build("lenet300", ZooOptions(inputShape: bundle.train.sampleShape, classes: 10, seed: 0))
        var options = TrainOptions()
        options.epochs = 3
        options.learningRate = 0.1
        options.schedule = .cosine(minimum: 0)
        _ = try Trainer(model: model, options: options).run(on: bundle.train)
        let trained = ModelSnapshot(model)

        func keptPerUnit(_ normalization: ScoreNormalization?) throws -> [Double] {
            let model = try trained.makeModel()
            let scores = try ContributionScorer().score(model, data: bundle.train, options: ScoreOptions())
            let report = try Pruner.prune(model, scores: scores, request: PruneRequest(amount: .ratio(0.98), normalization: normalization))
            return report.inputsPerUnit.map(\.value)
        }
        let raw = try keptPerUnit(ScoreNormalization.none)
        XCTAssertLessThan(raw[0], 2, "raw shares starve the first layer (the case this guards against): \(raw)")
        let normalised = try keptPerUnit(nil)
        XCTAssertEqual(normalised.count, 3)
        for (layer, perUnit) in normalised.enumerated() {
            XCTAssertGreaterThanOrEqual(perUnit, 2, "layer \(layer) keeps \(perUnit) inputs per unit: \(normalised)")
        }
    }
}

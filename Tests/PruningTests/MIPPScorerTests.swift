import Engine
import Pruning
import XCTest

/// MIPP on hand-built networks where the answer is known, and on the zoo.
final class MIPPScorerTests: XCTestCase {
    /// Gaussian inputs [n, features] with a dataset wrapper (labels are unused by MIPP).
    private func inputs(_ n: Int, features: Int, seed: UInt64 = 21) throws -> Dataset {
        let x = Tensor(shape: [n, features])
        var rng = RandomStream(seed: seed, stream: "test.mipp.inputs")
        for i in 0..<x.count { x[i] = rng.normal() }
        return try Dataset(name: "gauss", samples: x, labels: [Int32](repeating: 0, count: n), classes: 2)
    }

    private func set(_ layer: Linear, weights rows: [[Float]], bias: [Float]? = nil) {
        for (o, row) in rows.enumerated() { for (i, w) in row.enumerated() { layer.weight.value[o * layer.inFeatures + i] = w } }
        if let b = layer.bias { for o in 0..<layer.outFeatures { b.value[o] = bias?[o] ?? 0 } }
    }

    /// hidden = relu of: x0, x0 (exact copy), x1, x2 (never used), x3 (never used), 0.5 x1
    /// (scaled copy of unit 2); logits = h0 + h1 + h2, h2 - h0 - h1 + h5.
    /// The logits need the x0 feature and the x1 feature once each.
    private func copiesAndNoise() -> Model {
        let model = Model(inputShape: [4], classes: 2)
        let hidden = Linear(4, 6), out = Linear(6, 2)
        set(hidden, weights: [[1, 0, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0, 0.5, 0, 0]])
        set(out, weights: [[1, 1, 1, 0, 0, 0], [-1, -1, 1, 0, 0, 1]])
        model.add("hidden", hidden)
        model.add("relu", ReLU())
        model.add("out", out)
        return model
    }

    private func options(_ given: [String: MethodOptionValue] = [:]) throws -> ScoreOptions {
        ScoreOptions(granularity: .neurons, seed: 7, samples: 2000, method: try methodValues("mipp", given))
    }

    private func checkCopiesAndNoise(_ scores: ScoreSet, _ label: String) throws {
        let keep = try XCTUnwrap(scores.decisions["hidden"], label)
        XCTAssertEqual(keep.filter { $0 }.count, 2, "\(label): one unit per needed feature, got \(keep)")
        XCTAssertTrue(keep[0] != keep[1], "\(label): exactly one copy of the x0 unit stays, got \(keep)")
        XCTAssertTrue(keep[2] != keep[5], "\(label): exactly one of the x1 units stays, got \(keep)")
        XCTAssertFalse(keep[3] || keep[4], "\(label): units of unused inputs go, got \(keep)")
        let s = try XCTUnwrap(scores.units["hidden"])
        for i in 0..<6 { XCTAssertEqual(s[i] > 0, keep[i], "\(label): kept units score above 0, removed ones 0") }
    }

    func testLinearPredictorKeepsNeededUnitsAndDropsCopiesAndNoise() throws {
        let scores = try MIPPScorer().score(copiesAndNoise(), data: inputs(2000, features: 4), options: options())
        try checkCopiesAndNoise(scores, "linear")
    }

    func testMLPPredictorKeepsNeededUnitsAndDropsCopiesAndNoise() throws {
        let scores = try MIPPScorer().score(copiesAndNoise(), data: inputs(2000, features: 4), options: options(["predictor": .word("mlp")]))
        try checkCopiesAndNoise(scores, "mlp")
    }

    /// hidden = x0 + 10, x1 + 10, x0 + x1 + 20 (all positive, so the ReLU passes them);
    /// logit 0 = h2. Unit 2 alone carries the target, units 0 and 1 half of it each. Tested from
    /// the least informative up, 0 goes (1 and 2 cover it), then 1 (2 covers it), and 2 stays.
    /// Tested the other way round, 2 would go first (0 and 1 rebuild it) and 0 and 1 would stay.
    func testNodesAreTestedFromTheLeastToTheMostInformative() throws {
        let model = Model(inputShape: [2], classes: 2)
        let hidden = Linear(2, 3), out = Linear(3, 2)
        set(hidden, weights: [[1, 0], [0, 1], [1, 1]], bias: [10, 10, 20])
        set(out, weights: [[0, 0, 1], [0, 0, 0]])
        model.add("hidden", hidden)
        model.add("relu", ReLU())
        model.add("out", out)
        let scores = try MIPPScorer().score(model, data: inputs(2000, features: 2), options: options())
        XCTAssertEqual(scores.decisions["hidden"], [false, false, true], "the most informative unit stays, the halves go")
    }

    /// Two hidden layers: h2 unit 2 feeds no logit, and h1 unit 3 feeds only that unit. Swept
    /// from the output, h2's unit 2 goes first; then h1 predicts the pruned h2, so h1's unit 3
    /// has nothing left to inform and goes too, although the unpruned h2 depends on it.
    func testTargetIsTheAlreadyPrunedNextLayer() throws {
        let model = Model(inputShape: [4], classes: 2)
        let h1 = Linear(4, 4), h2 = Linear(4, 3), out = Linear(3, 2)
        set(h1, weights: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]])
        set(h2, weights: [[1, 0.5, 0, 0], [0, 1, 0.7, 0], [0, 0, 0, 1]])
        set(out, weights: [[1, 0, 0], [0, 1, 0]])
        model.add("h1", h1); model.add("r1", ReLU()); model.add("h2", h2); model.add("r2", ReLU()); model.add("out", out)
        let scores = try MIPPScorer().score(model, data: inputs(2000, features: 4), options: options())
        XCTAssertEqual(scores.decisions["h2"], [true, true, false])
        XCTAssertEqual(scores.decisions["h1"], [true, true, true, false])
        let report = try Pruner.prune(model, scores: scores, request: PruneRequest(amount: .auto))
        XCTAssertEqual(h1.outFeatures, 3)
        XCTAssertEqual(h2.outFeatures, 2)
        XCTAssertEqual(report.prunableAfter, 5)
        // The method decided the amount; the headline says so once, with no scope.
        XCTAssertTrue(report.summary.hasPrefix("prune auto, neurons, scores: mipp"), report.summary)
    }

    func testStricterConfidenceNeverKeepsMore() throws {
        let data = try Fixtures.data([1, 12, 12], count: 400)
        var kept = [Int]()
        for c in [0.6, 0.95, 0.999] {
            let model = try Fixtures.model("mlp", input: [1, 12, 12], width: 0.25)
            let s = try MIPPScorer().score(model, data: data, options: try options(["confidence": .number(c)]))
            kept.append(s.decisions.values.reduce(0) { $0 + $1.filter { $0 }.count })
        }
        XCTAssertEqual(kept, kept.sorted(by: >), "kept counts by confidence 0.6, 0.95, 0.999: \(kept)")
    }

    func testNoLayerCollapsesOnTheZoo() throws {
        for (name, input, width) in Fixtures.zoo {
            for granularity in [Granularity.neurons, .channels] {
                for pool in granularity == .channels ? ["avg", "sample"] : ["avg"] {
                    let model = try Fixtures.model(name, input: input, width: width)
                    guard !(try StructureAnalysis(model)).groups(granularity).isEmpty else { continue }
                    let label = "\(name) \(granularity.rawValue) pool=\(pool)"
                    let data = try Fixtures.data(input, count: 60)
                    let o = ScoreOptions(granularity: granularity, seed: 3, samples: 60, method: try methodValues("mipp", ["confidence": .number(0.999), "pool": .word(pool)]))
                    let scores = try MIPPScorer().score(model, data: data, options: o)
                    for (group, keep) in scores.decisions {
                        XCTAssertTrue(keep.contains(true), "\(label): \(group) lost every unit")
                    }
                    let structure = try StructureAnalysis(model)
                    try scores.validate(against: model, structure: structure)
                    try Pruner.prune(model, scores: scores, request: PruneRequest(amount: .auto))
                    XCTAssertTrue(Fixtures.output(model, Fixtures.batch(input, 2)).allSatisfy(\.isFinite), label)
                }
            }
        }
    }

    func testGlobalRatioUsesTheScores() throws {
        let model = try Fixtures.model("lenet300", input: [1, 28, 28], width: 0.25)
        let data = try Fixtures.data([1, 28, 28], count: 200)
        let scores = try MIPPScorer().score(model, data: data, options: options())
        let report = try Pruner.prune(model, scores: scores, request: PruneRequest(amount: .ratio(0.5)))
        XCTAssertEqual(report.realizedSparsity, 0.5, accuracy: 0.01)
    }

    func testBadRequestsNameTheFix() throws {
        let model = copiesAndNoise()
        let data = try inputs(100, features: 4)
        func message(_ o: ScoreOptions) -> String {
            do { _ = try MIPPScorer().score(model, data: data, options: o); return "" } catch { return "\(error)" }
        }
        XCTAssertTrue(message(ScoreOptions(granularity: .weights)).contains("granularity=neurons"))
        XCTAssertThrowsError(try options(["predictor": .word("tree")])) { XCTAssertTrue("\($0)".contains("predictor="), "\($0)") }
        XCTAssertThrowsError(try options(["pool": .word("max")])) { XCTAssertTrue("\($0)".contains("pool="), "\($0)") }
        XCTAssertThrowsError(try options(["repeats": .number(1)])) { XCTAssertTrue("\($0)".contains("repeats="), "\($0)") }
        XCTAssertThrowsError(try options(["confidence": .number(1)])) { XCTAssertTrue("\($0)".contains("confidence="), "\($0)") }
        XCTAssertThrowsError(try options(["k": .number(2)])) { XCTAssertTrue("\($0)".contains("no option k"), "\($0)") }
        XCTAssertTrue(message(ScoreOptions(granularity: .channels)).contains("granularity=neurons"),
                      "a dense model has no channels: the message points to neurons")
        XCTAssertThrowsError(try MIPPScorer().score(model, data: nil, options: try options()))
    }
}

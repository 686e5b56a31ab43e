import Engine
import Pruning
import XCTest

final class AllocationTests: XCTestCase {
    /// A two-layer MLP with hand-written scores.
    private func mlp() throws -> (Model, StructureAnalysis) {
        let model = try Zoo.build("mlp", ZooOptions(inputShape: [4], classes: 2, hidden: [3, 5]))
        return (model, try StructureAnalysis(model))
    }

    func testGlobalComparesScoresAcrossLayersAndGuardsEveryLayer() throws {
        let (model, s) = try mlp()
        // Layer "1" (3 units) scores far below layer "3" (5 units): global removes it first, but min_keep holds 1.
        let scores = ScoreSet(method: "hand", granularity: .neurons,
                              units: ["1": [0.1, 0.3, 0.2], "3": [5, 4, 9, 8, 7]])
        let keep = try Allocator.allocate(model, scores: scores, request: PruneRequest(amount: .ratio(0.5)), structure: s)
        XCTAssertEqual(keep.units["1"], [1], "the best of the low layer survives through min_keep")
        XCTAssertEqual(keep.units["3"], [2, 3, 4], "4 of 8 units kept in total: 1 guarded + the 3 best overall")
        let two = try Allocator.allocate(model, scores: scores, request: PruneRequest(amount: .ratio(0.5), minKeep: 2), structure: s)
        XCTAssertEqual(two.units["1"], [1, 2])
        XCTAssertEqual(two.units["3"], [2, 3])
    }

    func testAMethodCanRaiseMinKeep() throws {
        let (model, s) = try mlp()
        let scores = ScoreSet(method: "receding-like", granularity: .neurons,
                              units: ["1": [0.1, 0.3, 0.2], "3": [5, 4, 9, 8, 7]], minKeep: 3)
        let keep = try Allocator.allocate(model, scores: scores, request: PruneRequest(amount: .ratio(0.9)), structure: s)
        XCTAssertEqual(keep.units["1"], [0, 1, 2])
        XCTAssertEqual(keep.units["3"], [2, 3, 4])
    }

    func testLocalRanksWithinLayersAndUniformIgnoresScores() throws {
        let (model, s) = try mlp()
        let scores = ScoreSet(method: "hand", granularity: .neurons,
                              units: ["1": [0.1, 0.3, 0.2], "3": [5, 4, 9, 8, 7]])
        let local = try Allocator.allocate(model, scores: scores, request: PruneRequest(amount: .ratio(0.4), scope: .local), structure: s)
        XCTAssertEqual(local.units["1"], [1, 2], "3 - round(1.2) = 2 kept")
        XCTAssertEqual(local.units["3"], [2, 3, 4], "5 - 2 = 3 kept")
        let uniform = try Allocator.allocate(model, scores: scores, request: PruneRequest(amount: .ratio(0.4), scope: .uniform), structure: s)
        let linear = try XCTUnwrap(model.nodes[2].layer as? Linear, "node 2 is the first dense layer, named 1")
        let norms = UnitNorms.rows(linear.weight.value, p: 1)
        let expected = Array(norms.indices.sorted { norms[$0] > norms[$1] }.prefix(2)).sorted()
        XCTAssertEqual(uniform.units["1"], expected, "uniform keeps the units with the largest L1 rows")
        XCTAssertEqual(uniform.units["3"]?.count, 3)
    }

    func testWeightSparsityIsExactWithDeterministicTies() throws {
        let (model, s) = try mlp()
        var scores = ScoreSet(method: "ties", granularity: .weights)
        for p in PrunableWeights.of(model) { scores.weights[p.name] = [Float](repeating: 1, count: p.value.count) }
        let total = PrunableWeights.of(model).reduce(0) { $0 + $1.value.count }
        for ratio in [0.1, 0.33, 0.5, 0.9] {
            let keep = try Allocator.allocate(model, scores: scores, request: PruneRequest(amount: .ratio(ratio)), structure: s)
            let kept = keep.weights.values.reduce(0) { $0 + $1.filter { $0 }.count }
            XCTAssertEqual(kept, total - Int((ratio * Double(total)).rounded()), "ratio \(ratio)")
            let again = try Allocator.allocate(model, scores: scores, request: PruneRequest(amount: .ratio(ratio)), structure: s)
            XCTAssertEqual(keep, again)
        }
        // Equal scores: earlier layers and lower indices win.
        let keep = try Allocator.allocate(model, scores: scores, request: PruneRequest(amount: .ratio(0.9)), structure: s)
        XCTAssertEqual(keep.weights["1.weight"]?.prefix(3), [true, true, false], "4 kept: one guarded per layer, then the first index left")
        XCTAssertEqual(keep.weights["5.weight"]?.filter { $0 }.count, 1, "the last layer only keeps its guarded weight")
    }

    func testAutoUsesDecisionsUnderTheMinKeepGuard() throws {
        let (model, s) = try mlp()
        let scores = ScoreSet(method: "decider", granularity: .neurons,
                              units: ["1": [0.1, 0.3, 0.2], "3": [5, 4, 9, 8, 7]],
                              decisions: ["1": [false, false, false], "3": [true, false, true, false, false]])
        let keep = try Allocator.allocate(model, scores: scores, request: PruneRequest(amount: .auto, minKeep: 1), structure: s)
        XCTAssertEqual(keep.units["1"], [1], "a layer the method would empty keeps its best unit")
        XCTAssertEqual(keep.units["3"], [0, 2])
        let plain = ScoreSet(method: "magnitude", granularity: .neurons, units: ["1": [1, 2, 3], "3": [1, 2, 3, 4, 5]])
        XCTAssertThrowsError(try Allocator.allocate(model, scores: plain, request: PruneRequest(amount: .auto), structure: s)) {
            XCTAssertTrue("\($0)".contains("does not decide"), "\($0)")
        }
    }

    func testBadRequestsAndStaleScoresAreRefusedClearly() throws {
        let (model, s) = try mlp()
        let scores = ScoreSet(method: "hand", granularity: .neurons, units: ["1": [1, 2, 3], "3": [1, 2, 3, 4, 5]])
        XCTAssertThrowsError(try Allocator.allocate(model, scores: scores, request: PruneRequest(amount: .ratio(1)), structure: s)) {
            XCTAssertTrue("\($0)".contains("[0, 1)"), "\($0)")
            XCTAssertEqual(($0 as? PruningError)?.kind, .badOption)
        }
        XCTAssertThrowsError(try Allocator.allocate(model, scores: scores, request: PruneRequest(amount: .ratio(0.5), minKeep: 0), structure: s)) {
            XCTAssertTrue("\($0)".contains("min_keep"), "\($0)")
        }
        let stale = ScoreSet(method: "hand", granularity: .neurons, units: ["1": [1, 2], "3": [1, 2, 3, 4, 5]])
        XCTAssertThrowsError(try Allocator.allocate(model, scores: stale, request: PruneRequest(amount: .ratio(0.5)), structure: s)) {
            XCTAssertTrue("\($0)".contains("run score again"), "\($0)")
            XCTAssertEqual(($0 as? PruningError)?.kind, .staleState)
        }
        let nan = ScoreSet(method: "hand", granularity: .neurons, units: ["1": [1, .nan, 3], "3": [1, 2, 3, 4, 5]])
        XCTAssertThrowsError(try Allocator.allocate(model, scores: nan, request: PruneRequest(amount: .ratio(0.5)), structure: s)) {
            XCTAssertTrue("\($0)".contains("non-finite"), "\($0)")
        }
    }

    func testOrderedBitsPreservesFloatOrder() {
        let values: [Float] = [-.infinity, -3, -1e-30, -0.0, 0, 1e-30, 2, .infinity]
        let bits = values.map(Allocator.orderedBits)
        for (a, b) in zip(bits, bits.dropFirst()) { XCTAssertLessThanOrEqual(a, b) }
        XCTAssertEqual(Allocator.orderedBits(-0.0), Allocator.orderedBits(0))
    }
}

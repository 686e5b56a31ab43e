import Engine
import Pruning
import XCTest

final class SurgeryTests: XCTestCase {
    /// Makes the units outside `kept` output exactly zero in the dense model: zero rows and bias
    /// of the producer, or zero scale and shift of the BatchNorm that follows.
    private func silence(_ model: Model, _ g: PruningGroup, keeping kept: [Int]) {
        let dropped = Set(0..<g.units).subtracting(kept)
        if let bn = g.followers.lazy.compactMap({ model.nodes[$0].layer as? BatchNorm }).first {
            for c in dropped { bn.weight.value[c] = 0; bn.bias.value[c] = 0 }
            return
        }
        guard let (w, b) = PrunableWeights.producerWeight(model, g) else { return }
        let fan = w.value.count / g.units
        for u in dropped {
            for i in 0..<fan { w.value[u * fan + i] = 0 }
            b?.value[u] = 0
        }
    }

    /// Physically removing units that contribute nothing must not change the outputs.
    /// Single producers only (`keepCoupled`): DependencyGroupTests removes tied channels.
    private func checkEquivalence(_ name: String, input: [Int], width: Double, granularity: Granularity) throws {
        let model = try Fixtures.model(name, input: input, width: width)
        Fixtures.randomizeNorms(model)
        let structure = try StructureAnalysis(model, keepCoupled: true)
        var keep = KeepSet(granularity: granularity)
        for g in structure.groups(granularity) {
            let kept = (0..<g.units).filter { $0 % 3 != 1 }
            keep.units[g.name] = kept
            silence(model, g, keeping: kept)
        }
        XCTAssertFalse(keep.units.isEmpty, name)
        let x = Fixtures.batch(input, 3)
        let dense = Fixtures.output(model, x)
        let params = model.parameterCount
        try Surgery.apply(keep, to: model, structure: structure)
        XCTAssertLessThan(model.parameterCount, params, name)
        Fixtures.assertClose(Fixtures.output(model, x), dense, tolerance: 1e-4, "\(name) \(granularity)")
        let after = try StructureAnalysis(model, keepCoupled: true)
        for g in after.groups(granularity) { XCTAssertEqual(g.units, keep.units[g.name]?.count, g.name) }
    }

    func testRemovingSilentUnitsPreservesOutputs() throws {
        try checkEquivalence("mlp", input: [1, 12, 12], width: 0.25, granularity: .neurons)
        try checkEquivalence("lenet5", input: [1, 28, 28], width: 1, granularity: .channels)
        try checkEquivalence("lenet5", input: [1, 28, 28], width: 1, granularity: .neurons)
        try checkEquivalence("vgg-small", input: [3, 16, 16], width: 0.25, granularity: .channels)
        try checkEquivalence("vgg11", input: [3, 16, 16], width: 0.25, granularity: .channels)
        try checkEquivalence("resnet20", input: [3, 16, 16], width: 0.5, granularity: .channels)
    }

    func testFlattenBlocksMasksAndOptimizerStateAreSlicedTogether() throws {
        let model = try Fixtures.model("lenet5", input: [1, 28, 28])
        let structure = try StructureAnalysis(model)
        let fc = try XCTUnwrap(model.parameter(named: "7.weight"))
        let old = fc.value.copy()
        let mask = Tensor(shape: fc.value.shape, repeating: 1)
        for i in stride(from: 0, to: mask.count, by: 7) { mask[i] = 0 }
        fc.mask = mask
        fc.applyMask()
        let momentum = Tensor(shape: fc.value.shape)
        for i in 0..<momentum.count { momentum[i] = Float(i) }
        fc.state["momentum"] = momentum
        let kept = [1, 4, 5, 9, 15]
        try Surgery.apply(KeepSet(granularity: .channels, units: ["3": kept]), to: model, structure: structure)
        XCTAssertEqual(fc.value.shape, [120, kept.count * 25])
        let newMask = try XCTUnwrap(fc.mask)
        let newState = try XCTUnwrap(fc.state["momentum"])
        for r in [0, 57, 119] {
            for (j, c) in kept.enumerated() {
                for q in [0, 12, 24] {
                    let src = r * 400 + c * 25 + q, dst = r * kept.count * 25 + j * 25 + q
                    XCTAssertEqual(fc.value[dst], old[src] * mask[src])
                    XCTAssertEqual(newMask[dst], mask[src])
                    XCTAssertEqual(newState[dst], momentum[src])
                }
            }
        }
        XCTAssertEqual(model.parameter(named: "3.weight")?.value.shape, [5, 6, 5, 5])
        XCTAssertEqual(model.parameter(named: "3.bias")?.value.shape, [5])
    }

    func testInvalidKeepSetsLeaveTheModelUntouched() throws {
        let model = try Fixtures.model("mlp", input: [1, 12, 12], width: 0.25)
        let structure = try StructureAnalysis(model)
        let params = model.parameterCount
        for bad in [["1": [Int]()], ["1": [3, 1]], ["1": [0, 500]], ["5": [0]]] {
            XCTAssertThrowsError(try Surgery.apply(KeepSet(granularity: .neurons, units: bad), to: model, structure: structure))
        }
        XCTAssertEqual(model.parameterCount, params)
    }

    func testWeightMasksZeroValuesAndCombineWithEarlierMasks() throws {
        let model = try Fixtures.model("mlp", input: [1, 12, 12], width: 0.25)
        let structure = try StructureAnalysis(model)
        let scores = try MagnitudeScorer().score(model, data: nil, options: ScoreOptions())
        try Pruner.prune(model, scores: scores, request: PruneRequest(amount: .ratio(0.5)))
        let firstMasks = PrunableWeights.of(model).map { $0.mask?.array ?? [] }
        // Random scores at a higher ratio: weights pruned before must stay pruned.
        let random = try RandomScorer().score(model, data: nil, options: ScoreOptions(seed: 2))
        let report = try Pruner.prune(model, scores: random, request: PruneRequest(amount: .ratio(0.8)))
        XCTAssertEqual(report.prunableAfter, report.prunableBefore - Int((0.8 * Double(report.prunableBefore)).rounded()))
        for (p, first) in zip(PrunableWeights.of(model), firstMasks) {
            let m = try XCTUnwrap(p.mask)
            for i in 0..<m.count where first[i] == 0 { XCTAssertEqual(m[i], 0) }
            for i in 0..<m.count where m[i] == 0 { XCTAssertEqual(p.value[i], 0) }
        }
        _ = structure
    }
}

import Engine
import Pruning
import XCTest

/// Every zoo model, at every ratio, globally and locally, by weights and by units: the pruned
/// model runs forward and backward, meets the request, keeps every layer and every class, keeps
/// masked weights at zero through fine-tuning, and reloads from its architecture exactly.
final class ZooPruningTests: XCTestCase {
    static let ratios = [0.1, 0.5, 0.9, 0.95]

    func testEveryZooModelPrunesByWeights() throws {
        for z in Fixtures.zoo {
            let data = try Fixtures.data(z.input)
            for scope in [PruneScope.global, .local] {
                for ratio in Self.ratios {
                    let tag = "\(z.name) weights \(scope) \(ratio)"
                    let model = try Fixtures.model(z.name, input: z.input, width: z.width)
                    let scores = try MagnitudeScorer().score(model, data: nil, options: ScoreOptions())
                    let report = try Pruner.prune(model, scores: scores, request: PruneRequest(amount: .ratio(ratio), scope: scope))
                    let params = PrunableWeights.of(model)
                    let total = params.reduce(0) { $0 + $1.value.count }
                    if scope == .global {
                        XCTAssertEqual(report.prunableAfter, total - Int((ratio * Double(total)).rounded()), tag)
                    } else {
                        let expected = params.reduce(0) { $0 + max(1, $1.value.count - Int((ratio * Double($1.value.count)).rounded())) }
                        XCTAssertEqual(report.prunableAfter, expected, tag)
                    }
                    for p in params { XCTAssertGreaterThan(p.mask.map { m in (0..<m.count).filter { m[$0] != 0 }.count } ?? 0, 0, tag + " " + p.name) }
                    try runForwardBackward(model, z.input, tag)
                    try fineTune(model, data)
                    for p in params {
                        let m = try XCTUnwrap(p.mask, tag)
                        for i in 0..<m.count where m[i] == 0 && p.value[i] != 0 {
                            XCTFail("\(tag): \(p.name)[\(i)] = \(p.value[i]) after fine-tuning despite its mask"); break
                        }
                    }
                    XCTAssertEqual(report.after.nonZeroParameters <= report.before.nonZeroParameters, true, tag)
                }
            }
        }
    }

    func testEveryZooModelPrunesUnitsPhysically() throws {
        for z in Fixtures.zoo {
            let data = try Fixtures.data(z.input)
            let probe = try Fixtures.model(z.name, input: z.input, width: z.width)
            let structure = try StructureAnalysis(probe)
            let granularities = [Granularity.channels, .neurons].filter { !structure.groups($0).isEmpty }
            XCTAssertFalse(granularities.isEmpty, z.name)
            for granularity in granularities {
                for scope in [PruneScope.global, .local] {
                    for ratio in Self.ratios {
                        let tag = "\(z.name) \(granularity) \(scope) \(ratio)"
                        let model = try Fixtures.model(z.name, input: z.input, width: z.width)
                        let groups = try StructureAnalysis(model).channelGroups(granularity)
                        let scores = try MagnitudeScorer().score(model, data: nil, options: ScoreOptions(granularity: granularity))
                        let report = try Pruner.prune(model, scores: scores, request: PruneRequest(amount: .ratio(ratio), scope: scope))
                        let after = try StructureAnalysis(model)
                        let total = groups.reduce(0) { $0 + $1.prunableUnits }
                        var kept = 0
                        for g in groups {
                            let now = try XCTUnwrap(after.channelGroup(named: g.name), tag)
                            XCTAssertGreaterThanOrEqual(now.units, 1, tag + " emptied " + g.name)
                            kept += now.prunableUnits
                            if scope == .local {
                                let target = g.prunableUnits - Int((ratio * Double(g.prunableUnits)).rounded())
                                // Every member keeps min_keep of its own channels: a tied group may keep one per member.
                                XCTAssertLessThanOrEqual(abs(now.units - max(1, target)), max(1, g.members.count), tag + " " + g.name)
                            }
                        }
                        if scope == .global {
                            let target = total - Int((ratio * Double(total)).rounded())
                            let floor = groups.reduce(0) { $0 + $1.members.count }
                            XCTAssertTrue(kept == target || (kept > target && kept <= max(target, floor)),
                                          tag + ": exact, or one guarded unit per member (\(kept) vs \(target))")
                        }
                        XCTAssertEqual(report.prunableAfter, kept, tag)
                        XCTAssertLessThanOrEqual(report.after.parameters, report.before.parameters, tag)
                        if ratio >= 0.5 { XCTAssertLessThan(report.after.macsDense, report.before.macsDense, tag) }
                        XCTAssertEqual(try model.shapes().last, [model.classes], tag + ": classes kept")
                        try runForwardBackward(model, z.input, tag)
                        try fineTune(model, data)
                        try checkReload(model, z.input, tag)
                    }
                }
            }
        }
    }

    /// Sigmoid and no normalisation change the followers; no shape error at any ratio either way.
    func testNormVariantsPruneWithoutShapeErrors() throws {
        for z in Fixtures.zoo where !["mlp", "lenet300"].contains(z.name) {
            for norm in NormKind.allCases {
                for ratio in [0.5, 0.95] {
                    let tag = "\(z.name) norm=\(norm) \(ratio)"
                    let model = try Fixtures.model(z.name, input: z.input, width: z.width, norm: norm)
                    let scores = try RandomScorer().score(model, data: nil, options: ScoreOptions(granularity: .channels, seed: 7))
                    try Pruner.prune(model, scores: scores, request: PruneRequest(amount: .ratio(ratio), scope: .global))
                    try runForwardBackward(model, z.input, tag)
                    try checkReload(model, z.input, tag)
                }
            }
        }
    }

    private func runForwardBackward(_ model: Model, _ input: [Int], _ tag: String) throws {
        let x = Fixtures.batch(input, 4)
        let logits = model.forward(x, mode: .train)
        XCTAssertEqual(logits.shape, [4, model.classes], tag)
        XCTAssertTrue(logits.allFinite, tag)
        let loss = SoftmaxCrossEntropy()
        let labels: [Int32] = [0, 1, 2, 3]
        _ = labels.withUnsafeBufferPointer { loss(logits, labels: $0) }
        model.zeroGrad()
        model.backward(try XCTUnwrap(loss.gradient))
        for p in model.trainableParameters { XCTAssertEqual(p.grad.shape, p.value.shape, tag + " " + p.name) }
    }

    private func fineTune(_ model: Model, _ data: Dataset) throws {
        var o = TrainOptions()
        o.epochs = 1
        o.batchSize = 32
        o.learningRate = 0.01
        _ = try Trainer(model: model, options: o).run(on: data)
    }

    /// Saved as architecture JSON + parameter values, rebuilt, same outputs bit for bit.
    private func checkReload(_ model: Model, _ input: [Int], _ tag: String) throws {
        let arch = try Architecture.parse(Architecture(of: model).json())
        let copy = try arch.instantiate()
        for p in copy.parameters {
            let src = try XCTUnwrap(model.parameter(named: p.name), tag)
            XCTAssertEqual(p.value.shape, src.value.shape, tag)
            p.value.copy(from: src.value)
        }
        let x = Fixtures.batch(input, 3)
        XCTAssertEqual(Fixtures.output(copy, x), Fixtures.output(model, x), tag + ": reload")
    }
}

import Engine
import Foundation
import Pruning
import XCTest

final class ReportAndSnapshotTests: XCTestCase {
    func testHalfTheChannelsOfVGGSmallLeavesAboutAQuarterOfTheConvMACs() throws {
        let model = try Fixtures.model("vgg-small", input: [3, 32, 32])
        let scores = try MagnitudeScorer().score(model, data: nil, options: ScoreOptions(granularity: .channels))
        let convMacs = { (m: ModelMeasurement) in m.layers.filter { $0.kind == "conv2d" }.reduce(0) { $0 + $1.macsDense } }
        let report = try Pruner.prune(model, scores: scores, request: PruneRequest(amount: .ratio(0.5), scope: .local))
        let fraction = Double(convMacs(report.after)) / Double(convMacs(report.before))
        XCTAssertGreaterThan(fraction, 0.24)
        XCTAssertLessThan(fraction, 0.28, "every conv but the first loses half its inputs and half its outputs")
        XCTAssertEqual(report.realizedSparsity, 0.5, accuracy: 1e-9)
        XCTAssertEqual(report.after.layers.map(\.width), [16, 16, 32, 32, 64, 64, 4])
        XCTAssertEqual(report.after.macsEffective, report.after.macsDense, "physically pruned: no zeros left to skip")
        XCTAssertEqual(report.after.flopsDense, 2 * report.after.macsDense)
        XCTAssertEqual(report.after.parameters, model.parameterCount)
        let text = report.text
        XCTAssertTrue(text.contains("realized 50.0%"), text)
        XCTAssertTrue(text.contains("32 -> 16"), text)
        XCTAssertTrue(text.contains("total"), text)
        let decoded = try JSONDecoder().decode(PruningReport.self, from: JSONEncoder().encode(report))
        XCTAssertEqual(decoded, report)
    }

    func testUnstructuredReportCountsZerosAndEffectiveFlops() throws {
        let model = try Fixtures.model("lenet300", input: [1, 28, 28])
        let scores = try MagnitudeScorer().score(model, data: nil, options: ScoreOptions())
        let report = try Pruner.prune(model, scores: scores, request: PruneRequest(amount: .ratio(0.9)))
        let weights = 784 * 300 + 300 * 100 + 100 * 4
        XCTAssertEqual(report.prunableBefore, weights)
        XCTAssertEqual(report.prunableAfter, weights - Int((0.9 * Double(weights)).rounded()))
        XCTAssertEqual(report.realizedSparsity, 0.9, accuracy: 1e-5)
        XCTAssertEqual(report.after.parameters, report.before.parameters, "masks do not shrink tensors")
        XCTAssertEqual(report.after.nonZeroParameters, report.prunableAfter + 404, "kept weights plus the biases")
        XCTAssertEqual(Double(report.after.macsEffective) / Double(report.after.macsDense), 0.1, accuracy: 0.01)
        let table = SparsityTable.render(report.after)
        XCTAssertTrue(table.contains("90.0%"), "weight sparsity of the total row: \(table)")
        XCTAssertEqual(table.split(separator: "\n").count, 1 + 3 + 1, "header, three layers, total")
    }

    /// The report measures latency before and after (how much faster is a benchmark's question:
    /// `vggsmall-pruned50-32x32-infer`; tests do not assert on time).
    func testStructuredPruningReportsMeasuredLatency() throws {
        let model = try Fixtures.model("vgg-small", input: [3, 32, 32])
        let scores = try MagnitudeScorer().score(model, data: nil, options: ScoreOptions(granularity: .channels))
        let latency = LatencyOptions(batch: 32, runs: 5, warmup: 1)
        let report = try Pruner.prune(model, scores: scores, request: PruneRequest(amount: .ratio(0.9), scope: .local), latency: latency)
        let before = try XCTUnwrap(report.before.latencyMs), after = try XCTUnwrap(report.after.latencyMs)
        XCTAssertGreaterThan(before, 0)
        XCTAssertGreaterThan(after, 0)
        XCTAssertEqual(report.after.latencyBatch, 32)
        XCTAssertTrue(report.text.contains("per batch of 32"), report.text)
    }

    /// A request min_keep cannot meet says which layers held it back.
    func testShortfallNamesTheLayersHeldAtMinKeep() throws {
        let model = try Fixtures.model("lenet5", input: [1, 28, 28])
        let scores = try MagnitudeScorer().score(model, data: nil, options: ScoreOptions(granularity: .channels))
        let report = try Pruner.prune(model, scores: scores, request: PruneRequest(amount: .ratio(0.9), scope: .local, minKeep: 3))
        XCTAssertLessThan(report.realizedSparsity, 0.8, "conv1 has 6 channels and keeps 3")
        XCTAssertEqual(report.heldAtMinKeep.first, report.after.layers.first?.name)
        XCTAssertTrue(report.text.contains("short of the request: min_keep 3 holds"), report.text)
        let plain = try Fixtures.model("lenet5", input: [1, 28, 28])
        let met = try Pruner.prune(plain, scores: try MagnitudeScorer().score(plain, data: nil, options: ScoreOptions(granularity: .channels)),
                                   request: PruneRequest(amount: .ratio(0.5), scope: .local))
        XCTAssertEqual(met.heldAtMinKeep, [], "a met request has no shortfall note")
        XCTAssertFalse(met.text.contains("short of the request"), met.text)
        XCTAssertFalse(met.text.contains("warning"), met.text)
    }

    /// Global ranking of row norms across layers of very different fan-in can cut a whole layer
    /// to min_keep while meeting the request: the report warns.
    func testGlobalCollapseOfALayerIsReported() throws {
        let model = try Fixtures.model("lenet5", input: [1, 28, 28])
        let scores = try MagnitudeScorer().score(model, data: nil, options: ScoreOptions(granularity: .neurons))
        let report = try Pruner.prune(model, scores: scores, request: PruneRequest(amount: .ratio(0.6), scope: .global))
        XCTAssertEqual(report.heldAtMinKeep, [], "the request is met")
        XCTAssertFalse(report.cutToMinKeep.isEmpty, "\(report.text)")
        XCTAssertTrue(report.text.contains("warning: the global threshold cut"), report.text)
    }

    func testSnapshotRestoresShapesValuesMasksAndStateAcrossSurgery() throws {
        let input = [1, 28, 28]
        let model = try Fixtures.model("lenet5", input: input)
        let data = try Fixtures.data(input)
        let weightScores = try MagnitudeScorer().score(model, data: nil, options: ScoreOptions())
        try Pruner.prune(model, scores: weightScores, request: PruneRequest(amount: .ratio(0.3)))
        var o = TrainOptions(); o.epochs = 1; o.batchSize = 32; o.learningRate = 0.01
        _ = try Trainer(model: model, options: o).run(on: data)
        let dense = ModelSnapshot(model)
        let x = Fixtures.batch(input, 3)
        let denseOut = Fixtures.output(model, x)
        let channelScores = try MagnitudeScorer().score(model, data: nil, options: ScoreOptions(granularity: .channels))
        try Pruner.prune(model, scores: channelScores, request: PruneRequest(amount: .ratio(0.5)))
        let pruned = ModelSnapshot(model)
        let prunedShape = try XCTUnwrap(model.parameter(named: "3.weight")?.value.shape)
        XCTAssertLessThan(prunedShape[0] + prunedShape[1], 16 + 6)
        let prunedOut = Fixtures.output(model, x)
        XCTAssertNotEqual(prunedOut, denseOut)

        let back = try dense.makeModel()
        XCTAssertEqual(Fixtures.output(back, x), denseOut)
        XCTAssertEqual(back.parameter(named: "3.weight")?.value.shape, [16, 6, 5, 5])
        for p in back.parameters {
            let twin = try XCTUnwrap(try dense.makeModel().parameter(named: p.name))
            XCTAssertEqual(p.mask?.array, twin.mask?.array)
            XCTAssertEqual(p.state.keys.sorted(), twin.state.keys.sorted())
        }
        XCTAssertNotNil(back.parameter(named: "7.weight")?.mask)
        XCTAssertNotNil(back.parameter(named: "7.weight")?.state["momentum"])
        let again = try pruned.makeModel()
        XCTAssertEqual(Fixtures.output(again, x), prunedOut)
        XCTAssertEqual(again.parameter(named: "3.weight")?.value.shape, prunedShape)
        // A restored model is independent of the snapshot.
        again.parameter(named: "3.weight")?.value.fill(0)
        XCTAssertEqual(Fixtures.output(try pruned.makeModel(), x), prunedOut)
    }

    func testIterativeScheduleIsGeometricAndLandsOnTheRequest() throws {
        let model = try Fixtures.model("mlp", input: [1, 12, 12], width: 0.5)
        var calls = [Int]()
        let reports = try Pruner.pruneIteratively(
            model, request: PruneRequest(amount: .ratio(0.875)), steps: 3,
            score: { try MagnitudeScorer().score($0, data: nil, options: ScoreOptions()) },
            between: { step, _ in calls.append(step) })
        XCTAssertEqual(calls, [1, 2])
        XCTAssertEqual(reports.map { $0.requested ?? -1 }, [0.5, 0.75, 0.875], accuracy: 1e-9)
        let total = reports[0].prunableBefore
        XCTAssertEqual(reports.map(\.prunableBefore), [total, total, total], "every step compares with the original")
        XCTAssertEqual(reports.last?.prunableAfter, total - Int((0.875 * Double(total)).rounded()))

        let conv = try Fixtures.model("vgg-small", input: [3, 16, 16], width: 0.5)
        let widths = try StructureAnalysis(conv).groups(.channels).map(\.units)
        let steps = try Pruner.pruneIteratively(
            conv, request: PruneRequest(amount: .ratio(0.75), scope: .local), steps: 2,
            score: { try MagnitudeScorer().score($0, data: nil, options: ScoreOptions(granularity: .channels)) })
        XCTAssertEqual(steps.count, 2)
        let final = try StructureAnalysis(conv).groups(.channels).map(\.units)
        XCTAssertEqual(final, widths.map { $0 - Int((0.75 * Double($0)).rounded()) })
        XCTAssertThrowsError(try Pruner.pruneIteratively(conv, request: PruneRequest(amount: .auto), steps: 2,
                                                         score: { _ in ScoreSet(method: "x", granularity: .weights) }))
    }
}

private func XCTAssertEqual(_ a: [Double], _ b: [Double], accuracy: Double, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, file: file, line: line) }
}

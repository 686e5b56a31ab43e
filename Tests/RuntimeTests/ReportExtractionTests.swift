import Foundation
@testable import Runtime
import XCTest

/// Events to curve points, points to mean and spread over seeds, and the errors of bad inputs.
final class ReportExtractionTests: XCTestCase {
    static func events(seed: Int, pruned: Double, tuned: Double) -> [RunLogRecord] {
        let seed = UInt64(seed)
        func eval(_ split: String, _ accuracy: Double, params: Double = 0, flops: Double = 0) -> RunLogRecord {
            RunLogRecord(.eval(.init(split: split, accuracy: accuracy, top5: nil, loss: 0.1, params: params, nonzero: params,
                                     sparsity: 0, flops: flops, flopsEffective: flops, latencyMs: 1, samplesPerSecond: 1)),
                         seed: seed)
        }
        func training(_ epochs: Int) -> RunLogEvent.Training {
            .completed(.init(epochs: epochs, loss: 0.1, accuracy: 0.9, seconds: 1, samplesPerSecond: 1, variant: "", options: nil))
        }
        return [
            RunLogRecord(.manifest(.init(prnVersion: "9.9", script: "r.prn", scriptHash: "", machine: "", cores: 1, threads: 1,
                                         blas: "", started: "")), seed: 0),
            RunLogRecord(.data(.init(name: "mnist", identity: "", train: 10, test: 10, classes: 10)), seed: seed),
            RunLogRecord(.load(.init(model: "lenet300", params: 1000, flops: 2000, architecture: "{\"name\":\"lenet300\"}",
                                     variant: nil)), seed: seed),
            RunLogRecord(.train(training(3)), seed: seed),
            eval("test", 0.98, params: 1000, flops: 2000),
            RunLogRecord(.score(.init(method: "magnitude", granularity: "weights", units: 6, seconds: 1,
                                      histogram: .init(scale: "linear", lo: 0, hi: 1, zeros: 0, count: 6, counts: [1, 2, 3]))),
                         seed: seed),
            RunLogRecord(.prune(.init(method: "magnitude", granularity: "weights", scope: "global", requested: 0.9, sparsity: 0.9,
                                      paramSparsity: 0.85, params: 1000, nonzero: 150, flops: 2000, flopsEffective: 300, speedup: 1,
                                      layers: [.init(name: "fc1", kind: "linear", widthBefore: 300, width: 300, weightsBefore: 900,
                                                     weights: 900, nonzeroWeights: 100)],
                                      heldWhole: nil, heldAtMinKeep: nil, cutToMinKeep: nil)), seed: seed),
            eval("val", 0.1),
            eval("test", pruned),
            RunLogRecord(.epoch(.init(verb: "finetune", epoch: 1, loss: 0.1, accuracy: 0.9, penalty: 0, lr: 0.01, seconds: 1,
                                      partial: nil, batches: nil, batchesTotal: nil)), seed: seed),
            RunLogRecord(.finetune(training(2)), seed: seed),
            eval("test", tuned),
            RunLogRecord(.end(.init(status: "completed")), seed: seed),
        ]
    }

    func input(_ seed: Int, _ pruned: Double, _ tuned: Double) -> ReportInput {
        RunExtraction.extract(Self.events(seed: seed, pruned: pruned, tuned: tuned),
                              source: ReportSource(path: "log\(seed)", recipe: "?", recipeHash: "", prnVersion: "?", started: "", threads: nil))
    }

    func testEvalsAreAssignedToDenseRightAfterPruningAndAfterFinetuning() {
        let a = input(3, 0.5, 0.95)
        XCTAssertEqual(a.dense.map(\.accuracy), [0.98])
        XCTAssertEqual(a.points.count, 1)
        let p = a.points[0]
        XCTAssertEqual(p.seed, 3)
        XCTAssertEqual(p.experiment, ReportExperiment(model: "lenet300", dataset: "mnist", granularity: "weights", scope: "global"))
        XCTAssertEqual(p.accuracyPruned, 0.5, "the validation eval is not the test accuracy")
        XCTAssertEqual(p.accuracyFinetuned, 0.95)
        XCTAssertEqual(p.finetuneEpochs, 2)
        XCTAssertEqual(p.layers.first?.kept(structured: false) ?? 0, 100.0 / 900, accuracy: 1e-12)
        XCTAssertEqual(a.sources.first?.recipe, "r.prn")
        XCTAssertEqual(a.sources.first?.prnVersion, "9.9")
        XCTAssertEqual(a.histograms.first?.counts, [1, 2, 3])
    }

    func testSeedsAreAveragedWithSampleStandardDeviation() throws {
        var all = input(0, 0.5, 0.9)
        all.merge(input(1, 0.7, 0.8))
        let s = ReportSummary(all)
        let row = try XCTUnwrap(s.experiments.first?.rows.first)
        XCTAssertEqual(row.seeds, [0, 1])
        XCTAssertEqual(row.accuracyFinetuned?.mean ?? 0, 0.85, accuracy: 1e-12)
        XCTAssertEqual(row.accuracyFinetuned?.std ?? 0, (0.005).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(row.accuracyPruned?.mean ?? 0, 0.6, accuracy: 1e-12)
        XCTAssertEqual(s.experiments.first?.dense?.accuracy.n, 2)
        // The same run read twice (overlapping logs) counts once.
        var twice = all
        twice.merge(input(1, 0.7, 0.8))
        XCTAssertEqual(ReportSummary(twice).experiments.first?.rows.first?.seeds, [0, 1])
    }

    func testTablesFlagALayerKeepingFewerThanOneWeightPerUnit() throws {
        var healthy = input(0, 0.5, 0.9)  // 100 weights kept over 300 units: starved
        var summary = ReportSummary(healthy)
        XCTAssertEqual(try XCTUnwrap(summary.experiments.first?.rows.first?.fewestKept), 1.0 / 3, accuracy: 1e-12)
        XCTAssertTrue(ReportTables.markdown(summary).contains("0.33 (starved)"))
        healthy.points[0].layers[0].nonZeroWeights = 600
        summary = ReportSummary(healthy)
        let md = ReportTables.markdown(summary)
        XCTAssertTrue(md.contains("fewest weights per unit") && md.contains("| 2.0 |") && !md.contains("starved"), md)
    }

    func testMarkdownAndCSVCarryProvenanceAndEscapeCells() {
        var all = input(0, 0.5, 0.9)
        all.points[0].method = "a|b,c"
        let s = ReportSummary(all)
        let md = ReportTables.markdown(s)
        XCTAssertTrue(md.contains("a\\|b,c"))
        XCTAssertEqual(ReportFormatChecks.checkMarkdownTables(md), 1)
        XCTAssertTrue(md.contains("`r.prn`") && md.contains("prn 9.9") && md.contains("seeds 0"))
        let rows = ReportFormatChecks.checkCSV(ReportTables.csv(s))
        XCTAssertEqual(rows.first?["method"], "a|b,c")
        XCTAssertEqual(rows.first?["compression"], nil)
    }

    func testCheckersRejectMalformedTables() {
        // The checks used on real reports must be able to fail.
        XCTAssertEqual(ReportFormatChecks.markdownProblems("| a | b |\n|---|---|\n| 1 |\n").problems.count, 1)
        XCTAssertEqual(ReportFormatChecks.markdownProblems("| a | b |\n| 1 | 2 |\n").problems.count, 1)
        XCTAssertEqual(ReportFormatChecks.csvProblems("a,b\n1,2,3\n\"x,y\",2\n").problems.count, 1)
    }

    func testBadInputsNameTheFileAndTheFix() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("prn-report-bad-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("bad.jsonl")
        let manifest = try RunLogCodec.encode(RunLog.manifest(scriptName: "r.prn", scriptText: "", seed: 0))
        try "\(manifest)\nnot json\n".write(to: bad, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try RunLogReader.read([bad.path])) { e in
            XCTAssertTrue("\(e)".contains("bad.jsonl:2:"), "\(e)")
            XCTAssertTrue("\(e)".contains("--log"), "\(e)")
        }
        XCTAssertThrowsError(try RunLogReader.read([dir.appendingPathComponent("missing.jsonl").path])) { e in
            XCTAssertTrue("\(e)".contains("no such file"), "\(e)")
        }
        XCTAssertThrowsError(try ReportWriter.format(of: "results.txt")) { e in
            XCTAssertTrue("\(e)".contains("'txt'"), "\(e)")
            XCTAssertEqual((e as? ReportWriter.Failure)?.help?.contains(".svg"), true)
        }
        XCTAssertThrowsError(try ReportWriter.render(.svg, ReportSummary(ReportInput()))) { e in
            XCTAssertEqual((e as? ReportWriter.Failure)?.help, "run 'prune AMOUNT' and then 'eval' first")
        }
    }

    func testTicksAreRoundNumbersInsideTheRange() {
        let a = Axis(covering: [0.12, 0.87], scale: .linear, units: .percent, from: 0, to: 100)
        XCTAssertTrue(a.ticks.allSatisfy { $0 >= a.lo - 1e-12 && $0 <= a.hi + 1e-12 })
        XCTAssertTrue(a.ticks.count >= 4 && a.ticks.count <= 12, "\(a.ticks)")
        XCTAssertEqual(a.label(0.5), "50")
        let l = Axis(covering: [3e3, 2e6], scale: .log, units: .si, from: 0, to: 100)
        XCTAssertEqual(l.ticks.map(l.label), ["1K", "10K", "100K", "1M", "10M"])
        XCTAssertEqual(AxisTicks.si(1_250_000), "1.25M")
    }

    /// Titles shrink to fit the figure: a variant's long experiment label must not run off it.
    func testLongTitlesShrinkToFitTheFigure() {
        let long = "Accuracy vs sparsity: lenet5 norm=sigmoid penalty=receding on fashion-mnist, structured (channels), local"
        let size = SVGCanvas.fittedSize(long, width: 800, preferred: 16, minimum: 9)
        XCTAssertLessThan(size, 16)
        XCTAssertLessThanOrEqual(0.62 * Double(long.count) * size, 800 - 24 + 1e-9, "fits at the estimated glyph width")
        XCTAssertEqual(SVGCanvas.fittedSize("Accuracy vs sparsity", width: 800, preferred: 16, minimum: 9), 16, "short titles keep their size")
        XCTAssertEqual(SVGCanvas.fittedSize(String(repeating: "x", count: 5000), width: 800, preferred: 16, minimum: 9), 9)
    }
}

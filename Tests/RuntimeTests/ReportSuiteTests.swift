import Foundation
import Language
@testable import Runtime
import XCTest

/// The reproduction suite in miniature: two seeds of a tiny model on synthetic data, two methods,
/// five ratios unstructured and two structured, each seed in its own run log; then every table
/// and plot, from the live session (`report`) and offline from the logs, checked for form.
final class ReportSuiteTests: XCTestCase {
    static let stdlib = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("stdlib")

    static let recipe = """
        import "sweep.prn"
        seed run_seed
        load mlp data=synthetic hidden=[24, 16] subset=384
        train epochs=2 lr=0.1 batch=64
        eval
        checkpoint dense
        compare ["random", "magnitude"] [0.3, 0.5, 0.7, 0.8, 0.9] from="dense" epochs=1 lr=0.01
        compare ["random", "magnitude"] [0.25, 0.5] from="dense" granularity="neurons" scope="local" epochs=1 lr=0.01
        report "live.md"
        report "live.csv"
        report "live.json"
        report "live-accuracy.svg"
        report "live-flops.svg" plot=flops
        report "live-widths.svg" plot=widths ratio=0.5
        report "live-scores.svg" plot=scores

        """

    var work: URL!

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("prn-report-\(UUID())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: work) }

    /// Runs the recipe for one seed with a run log; returns the session.
    func runSeed(_ seed: Int) throws -> Session {
        let dir = work.appendingPathComponent("seed\(seed)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let paths = PathPolicy(base: dir, roots: [dir, Self.stdlib])
        let session = Session(paths: paths, output: { _ in })
        session.quiet = true
        session.runLog.file = try RunLog(url: dir.appendingPathComponent("run.jsonl"),
                                 manifest: RunLog.manifest(scriptName: "tiny-suite.prn", scriptText: Self.recipe, seed: 0))
        var context = CheckContext()
        context.variables["run_seed"] = Value.number(0).staticType
        let checked = Checker.check(SourceFile(name: "tiny-suite.prn", text: Self.recipe), verbs: Verbs.table,
                                    resolver: FileImportResolver(paths: paths, stdlib: Self.stdlib), context: context)
        XCTAssertFalse(checked.hasErrors, "\(checked.diagnostics.map(\.message))")
        let interpreter = Interpreter(verbs: Verbs.registry(for: session), output: { _ in })
        interpreter.define("run_seed", .number(Double(seed)))
        let outcome = interpreter.run(checked)
        XCTAssertEqual(outcome.status, .completed, "\(outcome.diagnostics.map(\.message))")
        return session
    }

    func testTinySuiteProducesEveryTableAndPlot() throws {
        let sessions = try [0, 1].map(runSeed)
        let live = work.appendingPathComponent("seed0")

        // The live session: events kept in memory, reported by the verb.
        XCTAssertTrue(sessions[0].runLog.events.contains { $0.event.name == "prune" })
        try checkTables(md: live.appendingPathComponent("live.md"), csv: live.appendingPathComponent("live.csv"),
                        json: live.appendingPathComponent("live.json"), expectedRows: 14, seeds: 1)
        try ReportFormatChecks.checkPlot(live.appendingPathComponent("live-accuracy.svg"), legend: ["random", "magnitude", "dense"])
        try ReportFormatChecks.checkPlot(live.appendingPathComponent("live-flops.svg"), legend: ["random", "magnitude"])
        try ReportFormatChecks.checkPlot(live.appendingPathComponent("live-widths.svg"), legend: ["random", "magnitude"], numericX: false)
        try ReportFormatChecks.checkPlot(live.appendingPathComponent("live-scores.svg"), legend: ["random", "magnitude"])

        // Offline: both seeds' logs gathered, averaged over seeds.
        let logs = [0, 1].map { work.appendingPathComponent("seed\($0)/run.jsonl").path }
        let summary = ReportSummary(try RunLogReader.read(logs))
        XCTAssertEqual(summary.seeds, [0, 1])
        XCTAssertEqual(summary.experiments.map(\.experiment.granularity).sorted(), ["neurons", "weights"])
        for e in summary.experiments {
            XCTAssertEqual(e.methods, ["random", "magnitude"], "baselines in a fixed order")
            XCTAssertEqual(e.dense?.accuracy.n, 2)
            for r in e.rows {
                XCTAssertEqual(r.seeds, [0, 1], "\(r.method) \(r.ratio)")
                XCTAssertEqual(r.accuracyPruned?.n, 2)
                XCTAssertEqual(r.accuracyFinetuned?.n, 2)
                XCTAssertEqual(Set(r.finetuneEpochs), [1], "the same fine-tuning budget everywhere")
                XCTAssertEqual(r.sparsity.mean, r.ratio, accuracy: e.experiment.granularity == "weights" ? 0.01 : 0.1)
                XCTAssertFalse(r.layers.isEmpty)
            }
        }
        let weights = try XCTUnwrap(summary.experiments.first { $0.experiment.granularity == "weights" })
        XCTAssertEqual(weights.rows.count, 10, "2 methods x 5 ratios")
        let neurons = try XCTUnwrap(summary.experiments.first { $0.experiment.granularity == "neurons" })
        let halved = try XCTUnwrap(neurons.rows.first { $0.method == "magnitude" && $0.ratio == 0.5 })
        XCTAssertEqual(halved.layers.filter { $0.widthBefore != $0.width }.map(\.width), [12, 8], "local 50% of 24 and 16 units")

        let out = work.appendingPathComponent("gathered")
        let files = try ReportWriter.writeAll(summary, to: out)
        try checkTables(md: out.appendingPathComponent("results.md"), csv: out.appendingPathComponent("results.csv"),
                        json: out.appendingPathComponent("results.json"), expectedRows: 14, seeds: 2)
        for e in summary.experiments {
            for plot in ReportPlot.allCases {
                let name = "\(e.experiment.slug)-\(plot.rawValue).svg"
                XCTAssertTrue(files.contains(name), "\(name) missing from \(files)")
                try ReportFormatChecks.checkPlot(out.appendingPathComponent(name), legend: ["random", "magnitude"],
                                                 numericX: plot != .widths)
            }
        }
        let md = try String(contentsOf: out.appendingPathComponent("results.md"), encoding: .utf8)
        XCTAssertTrue(md.contains("tiny-suite.prn") && md.contains("seeds 0, 1") && md.contains("prn \(PrnVersion.string)"), md)
        XCTAssertTrue(md.contains(" ± "), "spread across seeds is shown")
    }

    func checkTables(md: URL, csv: URL, json: URL, expectedRows: Int, seeds: Int) throws {
        let mdText = try String(contentsOf: md, encoding: .utf8)
        XCTAssertEqual(ReportFormatChecks.checkMarkdownTables(mdText), expectedRows, mdText)
        let rows = ReportFormatChecks.checkCSV(try String(contentsOf: csv, encoding: .utf8))
        XCTAssertEqual(rows.count, expectedRows)
        for r in rows {
            XCTAssertEqual(r["runs"], "\(seeds)")
            for col in ["ratio", "sparsity", "params", "flops_effective", "accuracy_pruned_mean", "accuracy_finetuned_mean", "dense_accuracy"] {
                XCTAssertNotNil(Double(r[col] ?? ""), "\(col) = \(r[col] ?? "nil")")
            }
            XCTAssertEqual(r["prn_version"], PrnVersion.string)
        }
        let root = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any])
        let experiments = try XCTUnwrap(root["experiments"] as? [[String: Any]])
        XCTAssertEqual(experiments.count, 2)
        XCTAssertEqual(experiments.reduce(0) { $0 + (($1["rows"] as? [Any])?.count ?? 0) }, expectedRows)
        XCTAssertEqual((root["runs"] as? [Any])?.count, expectedRows * seeds)
    }
}

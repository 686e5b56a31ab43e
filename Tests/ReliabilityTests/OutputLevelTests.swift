import Foundation
import XCTest

/// What `prn run` prints at each output level, and what the summaries of `prune` and `eval` say
/// about a model that structured pruning made smaller or that pruning left unchanged.
final class OutputLevelTests: XCTestCase {
    static let pruneScript = """
        seed 1
        load mlp data=synthetic hidden=[32, 16]
        score magnitude granularity=neurons
        prune 0.5 local latency=false
        eval
        print "printed by the script"

        """
    /// The header of the per-layer table of `prune` and `show sparsity`.
    static let tableHeader = "eff. MACs"

    func run(_ script: String, _ flags: [String] = []) throws -> PrnProcess.Outcome {
        let folder = try TemporaryFolder("levels")
        try folder.write("main.prn", text: script)
        return try PrnProcess.run(["run", "main.prn"] + flags, in: folder.url, timeout: 120)
    }

    func testDefaultPrintsTheSummaryAndWhatEachLayerKeptButNoTable() throws {
        let outcome = try run(Self.pruneScript)
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        XCTAssertFalse(outcome.stdout.contains(Self.tableHeader), outcome.stdout)
        // The summary, and what every layer kept (so a starved layer shows without --verbose).
        let pruneLines = outcome.stdout.split(separator: "\n").filter { $0.hasPrefix("prune") || $0.hasPrefix("  ") }
        XCTAssertEqual(pruneLines.count, 2, outcome.stdout)
        XCTAssertTrue(pruneLines.last?.hasPrefix("  kept per layer: 1 16/32, 3 8/16") == true, outcome.stdout)
        XCTAssertTrue(outcome.stdout.contains("printed by the script"), outcome.stdout)
    }

    func testVerbosePrintsThePerLayerTable() throws {
        let outcome = try run(Self.pruneScript, ["--verbose"])
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        XCTAssertTrue(outcome.stdout.contains(Self.tableHeader), outcome.stdout)
        XCTAssertTrue(outcome.stdout.contains("printed by the script"), outcome.stdout)
    }

    func testQuietPrintsOnlyWhatTheScriptPrints() throws {
        let outcome = try run(Self.pruneScript, ["--quiet"])
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        XCTAssertEqual(outcome.stdout, "printed by the script\n")
    }

    func testQuietAndVerboseTogetherIsUsage() throws {
        let outcome = try run(Self.pruneScript, ["--quiet", "--verbose"])
        XCTAssertEqual(outcome.status, 64, outcome.summary)
        XCTAssertTrue(outcome.stderr.contains("--quiet") && outcome.stderr.contains("--verbose"), outcome.summary)
    }

    func testEvalAfterStructuredPruningComparesWithTheLoadedModel() throws {
        let outcome = try run(Self.pruneScript)
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        guard let eval = outcome.stdout.split(separator: "\n").first(where: { $0.hasPrefix("eval") }) else {
            return XCTFail("no eval line: \(outcome.stdout)")
        }
        XCTAssertFalse(eval.contains("sparsity 0.0%"), String(eval))
        XCTAssertTrue(eval.contains(" -> ") && eval.contains("(-"), String(eval))
        XCTAssertTrue(eval.contains("params") && eval.contains("FLOPs"), String(eval))
    }

    func testPruneThatRemovesNothingSaysModelUnchangedAndNoSpeedup() throws {
        let script = """
            seed 1
            load mlp data=synthetic hidden=[4]
            score magnitude granularity=neurons
            let p = (prune 0.5 global min_keep=4)
            print "speedup", p.speedup

            """
        for flags in [[], ["--verbose"]] {
            let outcome = try run(script, flags)
            XCTAssertEqual(outcome.status, 0, outcome.summary)
            XCTAssertTrue(outcome.stdout.contains("model unchanged"), "\(flags): \(outcome.stdout)")
            XCTAssertFalse(outcome.stdout.contains("faster"), "\(flags): \(outcome.stdout)")
            XCTAssertTrue(outcome.stdout.contains("speedup 1\n"), "\(flags): \(outcome.stdout)")
        }
    }

    func testReportNamesTheRecipeFile() throws {
        let folder = try TemporaryFolder("recipe")
        try folder.write("my-recipe.prn", text: """
            seed 1
            load mlp data=synthetic hidden=[16]
            score magnitude granularity=weights
            prune 0.5 global latency=false
            eval
            report "results.md"

            """)
        let outcome = try PrnProcess.run(["run", "my-recipe.prn"], in: folder.url, timeout: 120)
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        let report = try String(contentsOf: folder.path("results.md"), encoding: .utf8)
        XCTAssertTrue(report.contains("my-recipe.prn"), report)
        XCTAssertFalse(report.contains("this session"), report)
    }
}

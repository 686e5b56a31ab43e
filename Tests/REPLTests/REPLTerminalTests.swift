import Foundation
import XCTest

/// The real `prn` binary in a pseudo-terminal: completion, history across restarts, Ctrl-C
/// during training, and `:save` recipes that `prn run` reproduces.
final class REPLTerminalTests: XCTestCase {
    typealias P = PTYSession
    var folder: URL!
    var history: URL!

    override func setUpWithError() throws {
        folder = try P.temporaryFolder()
        history = folder.appendingPathComponent("history")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func check(_ report: PTYReport, status: Int = 0, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(report.ok, "\(report.error ?? "")\n--- transcript ---\n\(report.transcript)", file: file, line: line)
        XCTAssertEqual(report.status, status, "exit status\n--- transcript ---\n\(report.transcript)", file: file, line: line)
    }

    func testTabCompletesVerbsAndMethodNamesAndCtrlCDiscardsTheLine() throws {
        let report = try P.run([
            .expect("prn> "), .send("tra" + P.tab), .pause(0.2), .send(P.enter),
            // The checker echoes the completed line in its diagnostic.
            .expect("1 | train "), .expect("prn> "),
            .send("score mi" + P.tab), .pause(0.2), .send(P.enter),
            .expect("1 | score mipp "), .expect("prn> "),
            .send("print 12345"), .pause(0.1), .send(P.ctrlC), .expect("^C"), .expect("prn> "),
            .send(":history" + P.enter), .expect("1  train "), .expect("2  score mipp "), .expect("3  :history"),
            .expect("prn> "), .send(P.ctrlD), .waitForExit(),
        ], folder: folder, history: history)
        check(report)
        XCTAssertFalse(report.transcript.contains("12345\r\n"), "a line discarded with Ctrl-C must not run:\n\(report.transcript)")
        XCTAssertFalse(report.transcript.contains("print 12345\r\n"), "a discarded line must not enter the history")
    }

    func testHistorySurvivesARestart() throws {
        let first = try P.run([
            .expect("prn> "), .send("print 40 + 2" + P.enter), .expect("42"), .expect("prn> "),
            .send(P.ctrlD), .waitForExit(),
        ], folder: folder, history: history)
        check(first)
        let saved = try String(contentsOf: history, encoding: .utf8)
        XCTAssertTrue(saved.contains("print"), "history file: \(saved)")
        let second = try P.run([
            .expect("prn> "), .send(P.up), .pause(0.2), .send(P.enter), .expect("42"), .expect("prn> "),
            .send(P.ctrlD), .waitForExit(),
        ], folder: folder, history: history)
        check(second)
    }

    func testCtrlCDuringTrainingKeepsTheSession() throws {
        let report = try P.run([
            .expect("prn> "), .send("load mlp data=synthetic" + P.enter), .expect("model mlp"), .expect("prn> "),
            .send("train epochs=100000 lr=0.05" + P.enter), .expect("train epoch 3:"),
            .send(P.ctrlC), .expect("interrupted"), .expect("prn> "),
            .send("eval" + P.enter), .expect("eval test: accuracy"), .expect("prn> "),
            .send(":show" + P.enter), .expect("model: "), .expect("prn> "),
            .send(P.ctrlD), .waitForExit(),
        ], folder: folder, history: history)
        check(report)
        XCTAssertTrue(report.transcript.contains("the model is kept"), report.transcript)
    }

    func testSaveWritesARecipeThatPrnRunReproduces() throws {
        let report = try P.run([
            .expect("prn> "), .send("seed 3" + P.enter), .expect("prn> "),
            .send("load mlp data=synthetic" + P.enter), .expect("model mlp"), .expect("prn> "),
            .send("train epochs=2 lr=0.05" + P.enter), .expect("train epoch 2:"), .expect("prn> "),
            // A static error: left out of the recipe.
            .send("prune 0.5" + P.enter), .expect("error"), .expect("prn> "),
            .send("let r = (eval)" + P.enter), .expect("eval test"), .expect("prn> "),
            .send("print \"accuracy\", r.accuracy, r.loss" + P.enter), .expect("\r\naccuracy "), .expect("prn> "),
            .send(":save recipe.prn" + P.enter), .expect("saved"), .expect("prn> "),
            .send(P.ctrlD), .waitForExit(),
        ], folder: folder, history: history)
        check(report)
        let recipeURL = folder.appendingPathComponent("recipe.prn")
        let recipe = try String(contentsOf: recipeURL, encoding: .utf8)
        XCTAssertFalse(recipe.contains("prune"), "statements with errors are left out:\n\(recipe)")
        XCTAssertTrue(recipe.contains("seed 3\nload mlp data=synthetic\ntrain epochs=2 lr=0.05\nlet r = (eval)"), recipe)

        let run = try P.runScript(recipeURL, folder: folder)
        XCTAssertEqual(run.status, 0, run.output)
        // Timings differ between runs; everything else must match.
        func results(_ text: String) -> [String] {
            // The terminal transcript also holds the progress bar: drop escapes and redrawn parts.
            let plain = text.replacingOccurrences(of: "\r\n", with: "\n")
                .replacingOccurrences(of: "\u{1B}\\[[0-9;?]*[A-Za-z]", with: "", options: .regularExpression)
            return plain.split(separator: "\n").map { String($0.split(separator: "\r").last ?? "") }.compactMap { line in
                if line.hasPrefix("accuracy ") { return line }
                if line.hasPrefix("train epoch") || line.hasPrefix("eval test") {
                    return line.components(separatedBy: ", latency").first?.replacingOccurrences(
                        of: #", [0-9.]+s$"#, with: "", options: .regularExpression)
                }
                return nil
            }
        }
        let interactive = results(report.transcript)
        XCTAssertEqual(interactive.count, 4, report.transcript)
        XCTAssertEqual(results(run.output), interactive)
    }

    func testStartupToFirstPrompt() throws {
        var times: [Double] = []
        for _ in 0..<5 {
            let report = try P.run([.expect("prn> "), .send(P.ctrlD), .waitForExit()], folder: folder, history: history)
            check(report)
            if let ms = report.firstPromptMilliseconds { times.append(ms) }
        }
        XCTAssertEqual(times.count, 5)
        let sorted = times.sorted()
        print(String(format: "prn REPL startup to first prompt: median %.1f ms (min %.1f, max %.1f) over %d runs",
                     sorted[sorted.count / 2], sorted.first ?? 0, sorted.last ?? 0, sorted.count))
    }
}

import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Signals during work that is not training: evaluation, the latency probe of `prune`, a single
/// forward pass too long to reach a boundary, and the last statement of a script. Each must stop
/// within about a second, exit 128 + the signal and leave a run log that says what happened.
final class InterruptTests: XCTestCase {
    /// How long a stop may take in these tests: the watchdog's grace of one second plus process
    /// start-up noise on a loaded machine. The work interrupted takes far longer than this.
    let stopBound = 8.0

    /// SIGTERM while `prune` times the model (vgg16, batch 256, six passes before and after).
    func testTerminateDuringTheLatencyProbeStopsPromptly() throws {
        let run = try LongRun("probe", script: "seed 1\ndata mnist\nload vgg16\nscore magnitude\nprune 0.5\nprint \"not reached\"\n",
                              startedWhen: "\"event\":\"score\"")
        let (outcome, seconds) = run.stop(with: SIGTERM)
        XCTAssertEqual(outcome.status, 143, outcome.summary)
        XCTAssertLessThan(seconds, stopBound, "prn took \(seconds) s to stop after SIGTERM")
        XCTAssertFalse(outcome.stdout.contains("not reached"))
        XCTAssertEqual(try run.events().last?["status"] as? String, "cancelled")
    }

    /// One forward pass of 4096 vgg16 samples has no boundary inside it: the watchdog ends the
    /// process and the log names the command it was running.
    func testTerminateDuringOneLongForwardPassEndsWithTheLogClosed() throws {
        let run = try LongRun("forward", script: "seed 1\ndata mnist\nload vgg16\neval batch=4096\nprint \"not reached\"\n",
                              test: 4096, startedWhen: "\"event\":\"load\"")
        let (outcome, seconds) = run.stop(with: SIGTERM)
        XCTAssertEqual(outcome.status, 143, outcome.summary)
        XCTAssertLessThan(seconds, stopBound, "prn took \(seconds) s to stop after SIGTERM")
        let events = try run.events()
        let interrupted = try XCTUnwrap(events.first { $0["event"] as? String == "interrupted" }, "no interrupted event")
        XCTAssertEqual(interrupted["during"] as? String, "forward.prn:4: eval")
        XCTAssertEqual(interrupted["signal"] as? String, "SIGTERM")
        XCTAssertEqual(events.last?["event"] as? String, "end")
        XCTAssertEqual(events.last?["status"] as? String, "cancelled")
    }

    /// Ctrl-C during the script's last statement: the run was asked to stop, so it must not
    /// report success even though no statement follows.
    func testInterruptDuringTheLastStatementExits130() throws {
        let run = try LongRun("last", script: "seed 1\ndata mnist\nload vgg16\neval\n", test: 4096,
                              startedWhen: "\"event\":\"load\"")
        let (outcome, seconds) = run.stop(with: SIGINT)
        XCTAssertEqual(outcome.status, 130, outcome.summary)
        XCTAssertLessThan(seconds, stopBound, "prn took \(seconds) s to stop after Ctrl-C")
        let events = try run.events()
        XCTAssertFalse(events.contains { $0["event"] as? String == "eval" }, "an interrupted eval was logged as a result")
        XCTAssertEqual(events.last?["status"] as? String, "cancelled")
    }

    /// An epoch cut short by Ctrl-C is reported as partial (batches done of the total), in the
    /// output and in the log, and the interrupted command counts only whole epochs.
    func testAnEpochStoppedMidwayIsLoggedAsPartial() throws {
        // 4096 batches of one sample: an interrupt lands inside an epoch, not on its boundary.
        let run = try LongRun("partial", script: "seed 1\ndata mnist\nload lenet300\ntrain epochs=1000 batch=1\n",
                              train: 4096, startedWhen: "\"event\":\"epoch\"")
        let (outcome, _) = run.stop(with: SIGINT)
        XCTAssertEqual(outcome.status, 130, outcome.summary)
        let events = try run.events()
        let epochs = events.filter { $0["event"] as? String == "epoch" }
        let whole = epochs.filter { $0["partial"] == nil }
        let partial = try XCTUnwrap(epochs.last, "no epoch logged")
        XCTAssertEqual(partial["partial"] as? Bool, true, "the interrupted epoch was logged as a full one: \(partial)")
        let done = try XCTUnwrap(partial["batches"] as? Int)
        XCTAssertEqual(partial["batches_total"] as? Int, 4096)
        XCTAssertTrue((1..<4096).contains(done), "\(done) batches")
        XCTAssertEqual(epochs.count, whole.count + 1)
        let train = try XCTUnwrap(events.first { $0["event"] as? String == "train" })
        XCTAssertEqual(train["epochs"] as? Int, whole.count, "the interrupted train counts the partial epoch as full")
        XCTAssertTrue(outcome.stdout.contains("(partial: \(done) of 4096 batches)"), outcome.stdout)
    }
}

/// A `prn run` started in a temporary folder with a run log, and stopped by a signal once the
/// log shows the work under test has begun.
private struct LongRun {
    let folder: TemporaryFolder
    let process: PrnProcess
    let log: URL

    init(_ name: String, script: String, train: Int = 64, test: Int = 32, startedWhen marker: String) throws {
        folder = try TemporaryFolder("interrupt-\(name)")
        try DataFixtures.mnist(in: folder, train: train, test: test)
        try folder.write("\(name).prn", text: script)
        log = folder.path("run.jsonl")
        process = try PrnProcess(["run", "\(name).prn", "--log", log.path], in: folder.url,
                                 environment: ["PRN_DATA": folder.path("data").path])
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, process.process.isRunning {
            if ((try? String(contentsOf: log, encoding: .utf8)) ?? "").contains(marker) { break }
            usleep(20_000)
        }
        XCTAssertTrue(process.process.isRunning, "prn finished before it could be interrupted")
        usleep(300_000)  // well inside the work that follows the marker
    }

    /// Sends the signal; the outcome and the seconds from signal to exit.
    func stop(with signalNumber: Int32) -> (PrnProcess.Outcome, Double) {
        let sent = Date()
        kill(process.pid, signalNumber)
        let outcome = process.wait(timeout: 120)
        return (outcome, Date().timeIntervalSince(sent))
    }

    func events() throws -> [[String: Any]] {
        try String(contentsOf: log, encoding: .utf8).split(separator: "\n").map { line in
            try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not a JSON object: \(line)")
        }
    }
}

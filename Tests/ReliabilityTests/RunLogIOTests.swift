import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The run log is the record of a run: when it cannot be written the run stops (exit 74) with a
/// message naming the log, and two runs never write one log at the same time.
final class RunLogIOTests: XCTestCase {
    private func folderWithData(train: Int = 64, test: Int = 32) throws -> TemporaryFolder {
        let folder = try TemporaryFolder("run-log")
        try DataFixtures.mnist(in: folder, train: train, test: test)
        return folder
    }

    private func environment(_ folder: TemporaryFolder) -> [String: String] {
        ["PRN_DATA": folder.path("data").path]
    }

    private func assertLogFailure(_ outcome: PrnProcess.Outcome, naming log: String,
                                  file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(outcome.status, 74, outcome.summary, file: file, line: line)
        XCTAssertFalse(outcome.signalled, outcome.summary, file: file, line: line)
        XCTAssertTrue(outcome.stderr.contains("run log"), outcome.summary, file: file, line: line)
        XCTAssertTrue(outcome.stderr.contains(log), "stderr does not name \(log): \(outcome.summary)", file: file, line: line)
    }

    /// A log that is not a regular file (a pipe, a device such as a full disk): prn replaces log
    /// files whole, so it refuses at the start instead of replacing the node or blocking on it.
    func testLogOnAPipeStopsBeforeTheRun() throws {
        let folder = try folderWithData()
        XCTAssertEqual(mkfifo(folder.path("pipe").path, 0o644), 0)
        try folder.write("ok.prn", text: "print \"ran\"\n")
        let outcome = try PrnProcess.run(["run", "ok.prn", "--log", "pipe"], in: folder.url, environment: environment(folder))
        assertLogFailure(outcome, naming: "pipe")
        XCTAssertFalse(outcome.stdout.contains("ran"), outcome.summary)
        var info = stat()
        XCTAssertEqual(lstat(folder.path("pipe").path, &info), 0)
        XCTAssertEqual(info.st_mode & S_IFMT, S_IFIFO, "the pipe was replaced by a file")
    }

    /// A full disk: a character device like /dev/full (made in the test folder, where replacing
    /// it harms nothing), when the system lets the test make one.
    func testLogOnAFullDeviceStopsWithExit74() throws {
        let folder = try folderWithData()
        // Device 1,7 (/dev/full) in glibc's encoding: minor in the low byte, major above it.
        guard mknod(folder.path("full").path, S_IFCHR | 0o666, dev_t((1 << 8) | 7)) == 0 else {
            throw XCTSkip("cannot make a device node here (\(String(cString: strerror(errno)))); testLogOnAPipeStopsBeforeTheRun covers non-regular logs")
        }
        try folder.write("ok.prn", text: "print \"ran\"\n")
        let outcome = try PrnProcess.run(["run", "ok.prn", "--log", "full"], in: folder.url, environment: environment(folder))
        assertLogFailure(outcome, naming: "full")
        var info = stat()
        XCTAssertEqual(lstat(folder.path("full").path, &info), 0)
        XCTAssertEqual(info.st_mode & S_IFMT, S_IFCHR, "the device node was replaced by a file")
    }

    /// The disk fills during the run: a file-size limit (ulimit -f, with SIGXFSZ ignored so the
    /// write fails with EFBIG as on a full disk) lets the manifest through and fails a later event.
    func testLogThatFailsDuringTheRunStopsItWithExit74() throws {
        let folder = try folderWithData()
        try folder.write("long.prn", text: "seed 1\ndata mnist\nload lenet300\ntrain epochs=2 batch=32\nprint \"not reached\"\n")
        let prn = try PrnProcess.binary().path
        let wrapper = "ulimit -f 2 && trap '' XFSZ && exec \"$0\" \"$@\""
        let outcome = try ShellProcess.run(["/bin/sh", "-c", wrapper, prn, "run", "long.prn", "--log", "run.jsonl"],
                                           in: folder.url, environment: environment(folder))
        assertLogFailure(outcome, naming: "run.jsonl")
        XCTAssertFalse(outcome.stdout.contains("not reached"), outcome.summary)
        // The log on disk is the last complete version (every rewrite is atomic).
        let text = try String(contentsOf: folder.path("run.jsonl"), encoding: .utf8)
        for line in text.split(separator: "\n") {
            XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(line.utf8)), "a log line is damaged: \(line)")
        }
        XCTAssertTrue(text.hasPrefix("{") && text.contains("\"manifest\""), text)
    }

    /// The disk fills during a long training: training stops at the next batch instead of
    /// running all its epochs unrecorded.
    func testLogThatFailsDuringTrainingStopsTheTraining() throws {
        let folder = try folderWithData(train: 512, test: 64)
        try folder.write("long.prn", text: "seed 1\ndata mnist\nload lenet300\ntrain epochs=500 batch=64\nprint \"not reached\"\n")
        let prn = try PrnProcess.binary().path
        let wrapper = "ulimit -f 8 && trap '' XFSZ && exec \"$0\" \"$@\""
        let outcome = try ShellProcess.run(["/bin/sh", "-c", wrapper, prn, "run", "long.prn", "--log", "run.jsonl"],
                                           in: folder.url, environment: environment(folder))
        assertLogFailure(outcome, naming: "run.jsonl")
        XCTAssertTrue(outcome.stderr.contains("long.prn:4"), "the error does not name the train line: \(outcome.summary)")
        XCTAssertTrue(outcome.stdout.contains("train epoch 1:"), "the log failed before training: \(outcome.stdout)")
        // (stdout is under the same size limit, so a missing late epoch line alone proves nothing.)
        XCTAssertTrue(outcome.stdout.contains("train stopped because the run log could not be written after"), "training did not stop when the log failed: \(outcome.stdout.suffix(300))")
        XCTAssertFalse(outcome.stdout.contains("train epoch 100:"), "training went on after the log failed")
        XCTAssertFalse(outcome.stdout.contains("not reached"), outcome.summary)
    }

    /// A second run on a log that a running process holds fails at once, naming that process;
    /// once the first is gone (even killed) the log can be used again.
    func testSecondRunOnTheSameLogFailsNamingTheFirst() throws {
        let folder = try folderWithData(train: 512, test: 64)
        try folder.write("long.prn", text: "seed 1\ndata mnist\nload lenet300\ntrain epochs=100000 batch=32\n")
        try folder.write("short.prn", text: "print \"second ran\"\n")
        let log = folder.path("run.jsonl")
        let first = try PrnProcess(["run", "long.prn", "--log", "run.jsonl"], in: folder.url, environment: environment(folder))
        defer { if first.process.isRunning { kill(first.pid, SIGKILL) } }
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, first.process.isRunning {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if text.contains("\"event\":\"epoch\"") { break }
            usleep(20_000)
        }
        XCTAssertTrue(first.process.isRunning, "the first run ended early: \(first.stderrSoFar)")
        let logBefore = try Data(contentsOf: log)

        let second = try PrnProcess.run(["run", "short.prn", "--log", "run.jsonl"], in: folder.url, environment: environment(folder))
        assertLogFailure(second, naming: "run.jsonl")
        XCTAssertTrue(second.stderr.contains("\(first.pid)"), "the message does not name the first process (pid \(first.pid)): \(second.summary)")
        XCTAssertFalse(second.stdout.contains("second ran"), second.summary)
        let logAfter = try Data(contentsOf: log)
        XCTAssertTrue(logAfter.starts(with: logBefore.prefix(64)), "the second run replaced the first run's log")

        kill(first.pid, SIGKILL)
        _ = first.wait(timeout: 30)
        let third = try PrnProcess.run(["run", "short.prn", "--log", "run.jsonl"], in: folder.url, environment: environment(folder))
        XCTAssertEqual(third.status, 0, "a killed run's lock was not released: \(third.summary)")
        XCTAssertTrue(third.stdout.contains("second ran"), third.summary)
    }

    /// `--log runs/seed0/run.jsonl` creates the missing folders, as `report` and `prn report --out` do.
    func testLogInAMissingFolderCreatesIt() throws {
        let folder = try folderWithData()
        try folder.write("ok.prn", text: "print \"ran\"\n")
        let outcome = try PrnProcess.run(["run", "ok.prn", "--log", "runs/seed0/run.jsonl"], in: folder.url,
                                         environment: environment(folder))
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        let text = try String(contentsOf: folder.path("runs/seed0/run.jsonl"), encoding: .utf8)
        XCTAssertTrue(text.contains("\"manifest\""), text)
    }

    func testHelpListsExit74() throws {
        let folder = try TemporaryFolder("help")
        let outcome = try PrnProcess.run(["run", "--help"], in: folder.url)
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        XCTAssertTrue(outcome.stdout.contains("74"), outcome.stdout)
    }
}

/// Runs any command the way `PrnProcess` runs prn (a minimal environment, output captured).
enum ShellProcess {
    static func run(_ command: [String], in folder: URL, environment: [String: String], timeout: Double = 120) throws -> PrnProcess.Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.currentDirectoryURL = folder
        process.environment = ["PATH": "/usr/bin:/bin", "HOME": folder.path, "NO_COLOR": "1"].merging(environment) { _, new in new }
        let out = folder.appendingPathComponent(".shell-out-\(UUID().uuidString)")
        let err = folder.appendingPathComponent(".shell-err-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        let timedOut = process.isRunning
        if timedOut { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        defer {
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: err)
        }
        return PrnProcess.Outcome(status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal,
                                  timedOut: timedOut, stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                                  stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }
}

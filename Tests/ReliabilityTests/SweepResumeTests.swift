import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `prn sweep` stopped midway and run again: only the points without a complete log run the
/// second time, and the report equals that of a sweep that was never stopped.
final class SweepResumeTests: XCTestCase {
    func sweep(_ folder: TemporaryFolder, out: String, _ extra: [String] = []) -> [String] {
        ["sweep", "recipe.prn"] + SweepFixture.grid + ["--jobs", "2", "--out", out] + extra
    }

    func testStoppedSweepRerunsOnlyTheUnfinishedPointsAndReportsAsACleanRun() throws {
        try stopAndResume(with: SIGTERM)
    }

    /// SIGKILL cannot be forwarded: the runs notice that the sweep is gone and stop themselves.
    func testKilledSweepRerunsOnlyTheUnfinishedPointsAndReportsAsACleanRun() throws {
        try stopAndResume(with: SIGKILL)
    }

    func stopAndResume(with sig: Int32) throws {
        let folder = try TemporaryFolder("sweep-resume")
        try folder.write("recipe.prn", text: SweepFixture.recipe)

        let clean = try PrnProcess.run(sweep(folder, out: "clean"), in: folder.url, environment: SweepFixture.environment, timeout: 600)
        XCTAssertEqual(clean.status, 0, clean.summary)
        XCTAssertEqual(Set(SweepFixture.ran(clean.stderr)), SweepFixture.names, clean.stderr)

        // Stopped once a few points are complete (SIGTERM, as a batch system or `kill` sends it).
        let logs = folder.path("resumed/logs")
        let first = try PrnProcess(sweep(folder, out: "resumed"), in: folder.url, environment: SweepFixture.environment)
        let deadline = Date().addingTimeInterval(300)
        while SweepFixture.completeLogs(in: logs).count < 3 && Date() < deadline { usleep(20_000) }
        kill(first.pid, sig)
        let stopped = first.wait(timeout: 120)
        if sig == SIGKILL {
            XCTAssertTrue(stopped.signalled && stopped.status == SIGKILL, stopped.summary)
            // The runs it had started end their logs (cancelled) once they see it gone.
            let end = Date().addingTimeInterval(60)
            while Date() < end && !allLogsEnded(logs) { usleep(50_000) }
            XCTAssertTrue(allLogsEnded(logs), "a run went on after the sweep was killed")
        } else {
            XCTAssertEqual(stopped.status, 128 + SIGTERM, stopped.summary)
        }
        let finished = SweepFixture.completeLogs(in: logs)
        XCTAssertGreaterThanOrEqual(finished.count, 3)
        XCTAssertLessThan(finished.count, 12, "the sweep ended before it was stopped; the test proves nothing")
        var kept: [String: Data] = [:]
        for name in finished { kept[name] = try Data(contentsOf: logs.appendingPathComponent(name + ".jsonl")) }

        let second = try PrnProcess.run(sweep(folder, out: "resumed"), in: folder.url, environment: SweepFixture.environment, timeout: 600)
        XCTAssertEqual(second.status, 0, second.summary)
        let rerun = SweepFixture.ran(second.stderr)
        XCTAssertEqual(Set(rerun), SweepFixture.names.subtracting(finished), second.stderr)
        XCTAssertEqual(rerun.count, Set(rerun).count, "a point ran twice:\n\(second.stderr)")
        XCTAssertTrue(second.stderr.contains("\(finished.count) already complete"), second.stderr)
        for (name, bytes) in kept {
            XCTAssertEqual(try Data(contentsOf: logs.appendingPathComponent(name + ".jsonl")), bytes, "\(name) was run again")
        }

        let expected = try SweepFixture.report(folder.path("clean/report"))
        XCTAssertFalse(expected.isEmpty)
        XCTAssertNotNil(expected["results.csv"])
        XCTAssertEqual(try SweepFixture.report(folder.path("resumed/report")), expected)

        // A third run has nothing left to do.
        let third = try PrnProcess.run(sweep(folder, out: "resumed"), in: folder.url, environment: SweepFixture.environment, timeout: 120)
        XCTAssertEqual(third.status, 0, third.summary)
        XCTAssertEqual(SweepFixture.ran(third.stderr), [], third.stderr)
    }

    /// True when every log in the folder has its `end` event (no run is still writing one).
    func allLogsEnded(_ logs: URL) -> Bool {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: logs.path))?.filter { $0.hasSuffix(".jsonl") } ?? []
        return files.allSatisfy { file in
            let text = (try? String(contentsOf: logs.appendingPathComponent(file), encoding: .utf8)) ?? ""
            return text.split(separator: "\n").last?.contains("\"event\":\"end\"") == true
        }
    }

    func testAPointWhoseRecipeChangedOrThatFailedRunsAgain() throws {
        let folder = try TemporaryFolder("sweep-stale")
        try folder.write("recipe.prn", text: SweepFixture.recipe)
        let args = ["sweep", "recipe.prn", "--vary", "method=[magnitude, random]", "--set", "ratio=0.5", "--set", "run_seed=0", "--out", "out"]
        let first = try PrnProcess.run(args, in: folder.url, environment: SweepFixture.environment, timeout: 300)
        XCTAssertEqual(first.status, 0, first.summary)
        // A truncated log (a run killed mid-write) and a changed recipe both make a point run again.
        let log = folder.path("out/logs/method=random.jsonl")
        let lines = try String(contentsOf: log, encoding: .utf8).split(separator: "\n")
        try (lines.dropLast().joined(separator: "\n") + "\n").write(to: log, atomically: true, encoding: .utf8)
        let second = try PrnProcess.run(args, in: folder.url, environment: SweepFixture.environment, timeout: 300)
        XCTAssertEqual(SweepFixture.ran(second.stderr), ["method=random"], second.stderr)
        try folder.write("recipe.prn", text: SweepFixture.recipe + "print \"changed\"\n")
        let third = try PrnProcess.run(args, in: folder.url, environment: SweepFixture.environment, timeout: 300)
        XCTAssertEqual(Set(SweepFixture.ran(third.stderr)), ["method=magnitude", "method=random"], third.stderr)
    }

    func testAFailedPointIsReportedAndTheSweepSaysSo() throws {
        let folder = try TemporaryFolder("sweep-failed")
        try folder.write("recipe.prn", text: SweepFixture.recipe)
        let args = ["sweep", "recipe.prn", "--vary", "method=[magnitude, nosuchmethod]", "--set", "ratio=0.5", "--set", "run_seed=0", "--out", "out"]
        let run = try PrnProcess.run(args, in: folder.url, environment: SweepFixture.environment, timeout: 300)
        XCTAssertEqual(run.status, 70, run.summary)
        XCTAssertTrue(run.stderr.contains("FAILED method=nosuchmethod"), run.stderr)
        XCTAssertTrue(run.stderr.contains("1 done, 1 failed, 0 left"), run.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.path("out/report/results.md").path))
    }

    func testBadGridInputIsRefusedWithTheOptionNamed() throws {
        let folder = try TemporaryFolder("sweep-bad")
        try folder.write("recipe.prn", text: SweepFixture.recipe)
        try folder.write("grid.txt", text: "vary method=[magnitude]\nbogus line\n")
        for (args, needle) in [(["--vary", "method=magnitude"], "must be a non-empty list"),
                               (["--vary", "method=[a]", "--set", "method=b"], "both fixed"),
                               (["--grid", "grid.txt"], "grid.txt:2: unknown setting 'bogus'"),
                               (["--grid", "missing.txt"], "no such file"),
                               (["--seeds", "0"], "--seeds must be at least 1"),
                               (["--vary", "x=[\"a/b\", \"a_b\"]"], "same log name")] {
            let run = try PrnProcess.run(["sweep", "recipe.prn"] + args, in: folder.url, timeout: 60)
            XCTAssertTrue([64, 66].contains(run.status), "\(args): \(run.summary)")
            XCTAssertTrue(run.stderr.contains(needle), "\(args): \(run.stderr)")
        }
    }
}

import Foundation
import XCTest

/// `prn sweep --slurm DIR`: the scripts are checked as sbatch would read them, and every array
/// task is run by hand with the variables Slurm sets. One task fails; the gather job names it and
/// its resubmit script covers exactly that task.
final class SweepSlurmTests: XCTestCase {
    /// `#SBATCH` directives of a batch script: sbatch stops reading them at the first line that
    /// is not a comment or blank, so every directive must come before it.
    func directives(_ script: String, file: String) -> [String: String] {
        var out: [String: String] = [:]
        let lines = script.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(lines.first, "#!/bin/bash", file)
        var inHeader = true
        for line in lines.dropFirst() {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.hasPrefix("#SBATCH") {
                XCTAssertTrue(inHeader, "\(file): '\(line)' comes after a command; sbatch ignores it")
                let body = String(t.dropFirst("#SBATCH ".count))
                guard body.range(of: #"^--[a-z-]+=\S+$"#, options: .regularExpression) != nil else {
                    XCTFail("\(file): '\(line)' is not '#SBATCH --option=value'")
                    continue
                }
                let eq = body.firstIndex(of: "=")!
                let key = String(body[body.index(body.startIndex, offsetBy: 2)..<eq])
                XCTAssertNil(out[key], "\(file): --\(key) given twice")
                out[key] = String(body[body.index(after: eq)...])
            } else if !t.isEmpty && !t.hasPrefix("#") {
                inHeader = false
            }
        }
        return out
    }

    /// Runs the command an array task runs, as Slurm would: `bash SCRIPT` with its variables.
    func runTask(_ script: URL, index: Int, cpus: String, in folder: TemporaryFolder) throws -> PrnProcess.Outcome {
        try PrnProcess.run([script.path], in: folder.url, executable: URL(fileURLWithPath: "/bin/bash"),
                           environment: ["SLURM_ARRAY_TASK_ID": String(index), "SLURM_CPUS_PER_TASK": cpus,
                                         "SLURM_JOB_ID": "100"], timeout: 300)
    }

    func testSlurmScriptsRunByHandWithAFailedTaskGatherAndResubmit() throws {
        let folder = try TemporaryFolder("sweep-slurm")
        try folder.write("recipe.prn", text: SweepFixture.recipe)
        let write = try PrnProcess.run(["sweep", "recipe.prn"] + SweepFixture.grid
                                        + ["--out", "out", "--slurm", "slurm", "--account", "proj42", "--partition", "cpu",
                                           "--time", "0:30:00", "--mem", "2G", "--cpus-per-task", "2", "--sbatch=--qos=short"],
                                       in: folder.url, timeout: 60)
        XCTAssertEqual(write.status, 0, write.summary)
        // Nothing ran on the submitting machine.
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.path("out/logs").path))

        let sweep = try String(contentsOf: folder.path("slurm/sweep.sbatch"), encoding: .utf8)
        let d = directives(sweep, file: "sweep.sbatch")
        XCTAssertEqual(d["array"], "0-11")
        XCTAssertEqual(d["account"], "proj42")
        XCTAssertEqual(d["partition"], "cpu")
        XCTAssertEqual(d["time"], "0:30:00")
        XCTAssertEqual(d["mem"], "2G")
        XCTAssertEqual(d["cpus-per-task"], "2")
        XCTAssertEqual(d["qos"], "short")
        XCTAssertNotNil(d["output"])
        let g = directives(try String(contentsOf: folder.path("slurm/gather.sbatch"), encoding: .utf8), file: "gather.sbatch")
        XCTAssertNil(g["array"])
        XCTAssertEqual(g["account"], "proj42")
        let submit = try String(contentsOf: folder.path("slurm/submit.sh"), encoding: .utf8)
        XCTAssertTrue(submit.contains("--dependency=afterany:"), submit)
        XCTAssertFalse(submit.contains("afterok"), "a failed task must not leave the gather job pending:\n\(submit)")

        // Every task by hand; task 5 fails (Slurm gave it no usable CPU count, so prn refuses to start).
        for i in 0..<12 {
            let r = try runTask(folder.path("slurm/sweep.sbatch"), index: i, cpus: i == 5 ? "0" : "2", in: folder)
            XCTAssertEqual(r.status, i == 5 ? 64 : 0, "task \(i): \(r.summary)")
        }
        let failedName = try XCTUnwrap(try String(contentsOf: folder.path("slurm/points.txt"), encoding: .utf8)
            .split(separator: "\n").first { $0.hasPrefix("5 ") }).dropFirst(2)
        XCTAssertEqual(SweepFixture.completeLogs(in: folder.path("out/logs")), SweepFixture.names.subtracting([String(failedName)]))

        // The gather job: the report of the 11, the missing point by name, resubmit.sh for it alone.
        let gather = try runTask(folder.path("slurm/gather.sbatch"), index: 0, cpus: "1", in: folder)
        XCTAssertEqual(gather.status, 70, gather.summary)
        XCTAssertTrue(gather.stdout.contains("point 5 \(failedName): missing"), gather.stdout)
        XCTAssertTrue(gather.stdout.contains("11 of 12 complete, 1 missing or failed"), gather.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.path("out/report/results.md").path))
        let resubmit = try String(contentsOf: folder.path("slurm/resubmit.sh"), encoding: .utf8)
        let arrays = resubmit.split(separator: "\n").filter { $0.contains("sbatch") && $0.contains("--array=") }
        XCTAssertEqual(arrays.count, 1, resubmit)
        XCTAssertTrue(arrays[0].contains("--array=5 ") && arrays[0].contains("sweep.sbatch"), resubmit)
        XCTAssertTrue(resubmit.contains("--dependency=afterany:") && resubmit.contains("gather.sbatch"), resubmit)

        // The resubmitted task, then the gather again: everything complete, nothing to resubmit.
        let again = try runTask(folder.path("slurm/sweep.sbatch"), index: 5, cpus: "2", in: folder)
        XCTAssertEqual(again.status, 0, again.summary)
        XCTAssertEqual(SweepFixture.ran(again.stderr), [String(failedName)])
        let done = try runTask(folder.path("slurm/gather.sbatch"), index: 0, cpus: "1", in: folder)
        XCTAssertEqual(done.status, 0, done.summary)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.path("slurm/resubmit.sh").path))
        // A task whose log is complete does nothing when it runs again (a requeued task).
        let requeued = try runTask(folder.path("slurm/sweep.sbatch"), index: 0, cpus: "2", in: folder)
        XCTAssertEqual(requeued.status, 0, requeued.summary)
        XCTAssertEqual(SweepFixture.ran(requeued.stderr), [])
    }

    func testSharedStepsGetTheirOwnArrayThatThePointsWaitFor() throws {
        let folder = try TemporaryFolder("sweep-slurm-shared")
        try folder.write("recipe.prn", text: "print stage, method, run_seed\n")
        let write = try PrnProcess.run(["sweep", "recipe.prn", "--set", "stage=prune", "--vary", "method=[a, b, c]", "--seeds", "2",
                                        "--shared", "stage=train", "--shared-over", "run_seed", "--out", "out", "--slurm", "slurm"],
                                       in: folder.url, timeout: 60)
        XCTAssertEqual(write.status, 0, write.summary)
        XCTAssertEqual(directives(try String(contentsOf: folder.path("slurm/shared.sbatch"), encoding: .utf8), file: "shared.sbatch")["array"], "0-1")
        XCTAssertEqual(directives(try String(contentsOf: folder.path("slurm/sweep.sbatch"), encoding: .utf8), file: "sweep.sbatch")["array"], "0-5")
        let submit = try String(contentsOf: folder.path("slurm/submit.sh"), encoding: .utf8)
        XCTAssertTrue(submit.contains("--dependency=afterany:\"${shared%%;*}\" sweep.sbatch"), submit)

        // Seed 1's shared step fails: only seed 1's points are blocked; seed 0's run.
        let shared0 = try runTask(folder.path("slurm/shared.sbatch"), index: 0, cpus: "1", in: folder)
        XCTAssertEqual(shared0.status, 0, shared0.summary)
        let shared1 = try runTask(folder.path("slurm/shared.sbatch"), index: 1, cpus: "0", in: folder)
        XCTAssertEqual(shared1.status, 64, shared1.summary)
        var statuses: [Int32] = []
        for i in 0..<6 { statuses.append(try runTask(folder.path("slurm/sweep.sbatch"), index: i, cpus: "1", in: folder).status) }
        // Points are method-major: a s0, a s1, b s0, ...
        XCTAssertEqual(statuses, [0, 70, 0, 70, 0, 70])
        let gather = try runTask(folder.path("slurm/gather.sbatch"), index: 0, cpus: "1", in: folder)
        XCTAssertEqual(gather.status, 70)
        let resubmit = try String(contentsOf: folder.path("slurm/resubmit.sh"), encoding: .utf8)
        XCTAssertTrue(resubmit.contains("--array=1 shared.sbatch"), resubmit)
        XCTAssertTrue(resubmit.contains("--array=1,3,5 --dependency=afterany:\"${shared%%;*}\" sweep.sbatch"), resubmit)
    }
}

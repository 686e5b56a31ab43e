import Foundation

/// Writes a sweep as Slurm job arrays; runs nothing. One array task per point (and, when the
/// grid has a shared step, one array of shared steps the points wait for with `afterany`), each
/// task running `prn sweep ... --task $SLURM_ARRAY_TASK_ID` so a task whose log is already
/// complete does nothing; a gather job (also `afterany`, so it runs whatever failed) writes the
/// report, names the missing and failed points and writes `resubmit.sh` for exactly those.
public struct SlurmWriter {
    public struct Headers: Sendable {
        public var account: String?
        public var partition: String?
        public var time: String?
        public var mem: String?
        public var cpusPerTask = 1
        /// More `#SBATCH` options, each as given (`--qos=long`).
        public var extra: [String] = []
        public init() {}

        /// The `#SBATCH` lines every job gets.
        var lines: [String] {
            var l = ["--cpus-per-task=\(cpusPerTask)"]
            if let account { l.append("--account=\(account)") }
            if let partition { l.append("--partition=\(partition)") }
            if let time { l.append("--time=\(time)") }
            if let mem { l.append("--mem=\(mem)") }
            return (l + extra).map { "#SBATCH \($0)" }
        }

        public func validate() throws {
            for (option, value) in [("--account", account), ("--partition", partition), ("--time", time), ("--mem", mem)] {
                if let value, value.isEmpty || value.contains(where: { $0.isWhitespace }) {
                    throw SweepGrid.Failure(description: "\(option) '\(value)': a Slurm value is one word without spaces")
                }
            }
            if cpusPerTask < 1 { throw SweepGrid.Failure(description: "--cpus-per-task must be at least 1, got \(cpusPerTask)") }
            for line in extra where !line.hasPrefix("--") || line.contains("\n") {
                throw SweepGrid.Failure(description: "--sbatch '\(line)': give one sbatch option per --sbatch, starting with -- (e.g. --sbatch=--qos=long)")
            }
        }
    }

    /// The `prn sweep` command line a task or the gather job runs, before its own options.
    public var sweepCommand: [String]
    public var workingDirectory: URL
    public var headers: Headers
    public var dir: URL

    public init(sweepCommand: [String], workingDirectory: URL, headers: Headers, dir: URL) {
        self.sweepCommand = sweepCommand
        self.workingDirectory = workingDirectory
        self.headers = headers
        self.dir = dir
    }

    /// Writes the scripts; returns the names written. Refuses a folder that already holds a
    /// different sweep's scripts rather than overwriting them.
    public func write(_ grid: SweepGrid, points: [SweepPoint], shared: [SweepPoint]) throws -> [String] {
        let fm = FileManager.default
        try fm.createDirectory(at: dir.appendingPathComponent("output"), withIntermediateDirectories: true)
        var files: [(String, String, Bool)] = []
        files.append(("grid.txt", SweepGridFile.text(grid), false))
        files.append(("points.txt", points.map { "\($0.index) \($0.name)" }.joined(separator: "\n") + "\n", false))
        if !shared.isEmpty {
            files.append(("shared-points.txt", shared.map { "\($0.index) \($0.name)" }.joined(separator: "\n") + "\n", false))
            files.append(("shared.sbatch", array(name: "prn-shared", count: shared.count, stage: "shared"), false))
        }
        files.append(("sweep.sbatch", array(name: "prn-sweep", count: points.count, stage: "point"), false))
        files.append(("gather.sbatch", gather(), false))
        files.append(("submit.sh", submit(shared: !shared.isEmpty), true))
        for (name, text, executable) in files {
            let url = dir.appendingPathComponent(name)
            try Data(text.utf8).write(to: url, options: .atomic)
            if executable { try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path) }
        }
        return files.map(\.0)
    }

    func header(_ name: String, array count: Int?) -> [String] {
        var l = ["#!/bin/bash", "#SBATCH --job-name=\(name)"]
        if let count { l.append("#SBATCH --array=0-\(count - 1)") }
        // #SBATCH lines are not read by a shell, so the path cannot be quoted (sweep refuses spaces).
        l.append("#SBATCH --output=\(dir.appendingPathComponent("output").path)/\(count == nil ? "%x-%j" : "%x-%A_%a").out")
        return l + headers.lines
    }

    func array(name: String, count: Int, stage: String) -> String {
        (header(name, array: count) + [
            "# One point of the sweep per array task; a task whose log is already complete does nothing.",
            "set -u",
            "export PRN_THREADS=\"${SLURM_CPUS_PER_TASK:-1}\"",
            "cd \(Self.quote(workingDirectory.path))",
            "exec " + (sweepCommand + ["--task"]).map(Self.quote).joined(separator: " ") + " \"$SLURM_ARRAY_TASK_ID\" --stage \(stage)",
        ]).joined(separator: "\n") + "\n"
    }

    func gather() -> String {
        (header("prn-gather", array: nil) + [
            "# Runs after every task ended, failed or not: the report from the complete logs, the missing",
            "# and failed points by name, and resubmit.sh for exactly those.",
            "set -u",
            "cd \(Self.quote(workingDirectory.path))",
            "exec " + (sweepCommand + ["--gather", "--slurm", dir.path]).map(Self.quote).joined(separator: " "),
        ]).joined(separator: "\n") + "\n"
    }

    func submit(shared: Bool) -> String {
        var l = ["#!/bin/bash", "# Submits the sweep; nothing runs on this machine.", "set -euo pipefail", "cd \"$(dirname \"$0\")\""]
        if shared {
            l.append("shared=$(sbatch --parsable shared.sbatch)")
            l.append("points=$(sbatch --parsable --dependency=afterany:\"${shared%%;*}\" sweep.sbatch)")
        } else {
            l.append("points=$(sbatch --parsable sweep.sbatch)")
        }
        l.append("gather=$(sbatch --parsable --dependency=afterany:\"${points%%;*}\" gather.sbatch)")
        l.append("echo \"submitted: points ${points%%;*}, gather ${gather%%;*}\"")
        return l.joined(separator: "\n") + "\n"
    }

    /// `resubmit.sh`: the failed shared steps and points again, then the gather.
    public static func resubmit(failedShared: [Int], failedPoints: [Int]) -> String {
        var l = ["#!/bin/bash", "# Reruns only the shared steps and points that did not complete; nothing else runs again.",
                 "set -euo pipefail", "cd \"$(dirname \"$0\")\""]
        var last: String?
        if !failedShared.isEmpty {
            l.append("shared=$(sbatch --parsable --array=\(ranges(failedShared)) shared.sbatch)")
            last = "shared"
        }
        if !failedPoints.isEmpty {
            let dep = last.map { " --dependency=afterany:\"${\($0)%%;*}\"" } ?? ""
            l.append("points=$(sbatch --parsable --array=\(ranges(failedPoints))\(dep) sweep.sbatch)")
            last = "points"
        }
        let dep = last.map { " --dependency=afterany:\"${\($0)%%;*}\"" } ?? ""
        l.append("gather=$(sbatch --parsable\(dep) gather.sbatch)")
        l.append("echo \"resubmitted: gather ${gather%%;*}\"")
        return l.joined(separator: "\n") + "\n"
    }

    /// Array indices as Slurm writes them: `1,3-5,9`.
    static func ranges(_ indices: [Int]) -> String {
        var parts: [String] = []
        var i = 0
        let s = indices.sorted()
        while i < s.count {
            var j = i
            while j + 1 < s.count && s[j + 1] == s[j] + 1 { j += 1 }
            parts.append(i == j ? "\(s[i])" : "\(s[i])-\(s[j])")
            i = j + 1
        }
        return parts.joined(separator: ",")
    }

    static func quote(_ s: String) -> String {
        s.allSatisfy { $0.isLetter || $0.isNumber || "/._-=,+:".contains($0) } ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

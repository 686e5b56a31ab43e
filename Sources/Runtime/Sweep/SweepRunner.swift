import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a sweep's points as `prn run` processes, `jobs` at a time, each with its own log under
/// `OUT/logs/` and its output under `OUT/output/`. A point whose log is already complete is
/// skipped; a failed, partial or stale one is run again. Shared steps run first; a point whose
/// shared step did not complete is reported as blocked instead of being run.
public final class SweepRunner: @unchecked Sendable {
    public struct Settings: Sendable {
        /// The recipe as the user named it (runs start in the same working directory).
        public var recipe: String
        public var prn: URL
        public var out: URL
        public var jobs = 1
        /// `PRN_THREADS` of every run.
        public var threads = 1
        /// `--allow DIR` passed through to every run.
        public var allow: [String] = []
        public init(recipe: String, prn: URL, out: URL) {
            self.recipe = recipe
            self.prn = prn
            self.out = out
        }
    }

    public struct Outcome: Sendable {
        public var skipped: [SweepPoint] = []
        public var ran: [SweepPoint] = []
        public var failed: [(point: SweepPoint, why: String)] = []
        /// The signal that stopped the sweep, if one did.
        public var stoppedBy: Int32?
    }

    public let settings: Settings
    public let grid: SweepGrid
    public let recipeHash: String
    /// Progress lines (standard error in the CLI).
    public var say: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    private let lock = NSLock()
    private var running: [Int32] = []
    private var stopSignal: Int32?

    public init(settings: Settings, grid: SweepGrid, recipeText: String) {
        self.settings = settings
        self.grid = grid
        recipeHash = PointLogStatus.hash(ofRecipe: recipeText)
    }

    public func logURL(_ p: SweepPoint) -> URL {
        settings.out.appendingPathComponent("logs").appendingPathComponent(p.name + ".jsonl")
    }

    public func outputURL(_ p: SweepPoint) -> URL {
        settings.out.appendingPathComponent("output").appendingPathComponent(p.name + ".txt")
    }

    /// A path as the runs and the report are given it: relative to the working directory when
    /// inside it, so logs and reports committed with a project name no folder of the machine.
    public static func shown(_ url: URL) -> String {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardizedFileURL.path
        let path = url.standardizedFileURL.path
        return path.hasPrefix(cwd + "/") ? String(path.dropFirst(cwd.count + 1)) : path
    }

    public func status(_ p: SweepPoint) -> PointLogStatus {
        PointLogStatus.of(log: logURL(p), recipeHash: recipeHash, sets: p.sets)
    }

    /// Asks every running point to stop with `signal` (their logs end `cancelled`) and starts no more.
    public func stop(signal: Int32) {
        lock.lock()
        if stopSignal == nil { stopSignal = signal }
        let pids = running
        lock.unlock()
        for pid in pids { kill(pid, signal) }
    }

    /// Runs the shared steps, then the points; `only` restricts it to some points (a Slurm task).
    public func run(shared: [SweepPoint]? = nil, points: [SweepPoint]? = nil) -> Outcome {
        var outcome = Outcome()
        let sharedPoints = shared ?? grid.sharedPoints
        let mainPoints = points ?? grid.points
        let total = sharedPoints.count + mainPoints.count
        let progress = SweepProgress(total: total, jobs: settings.jobs)
        var pendingShared: [SweepPoint] = []
        for p in sharedPoints { if status(p).isComplete { outcome.skipped.append(p) } else { pendingShared.append(p) } }
        var pendingMain: [SweepPoint] = []
        for p in mainPoints { if status(p).isComplete { outcome.skipped.append(p) } else { pendingMain.append(p) } }
        progress.skip(outcome.skipped.count)
        say("prn sweep: \(total) run(s): \(outcome.skipped.count) already complete, \(pendingShared.count + pendingMain.count) to run, "
            + "\(settings.jobs) at a time with PRN_THREADS=\(settings.threads)")
        runAll(pendingShared, progress: progress, into: &outcome)
        var runnable: [SweepPoint] = []
        for p in pendingMain {
            if let s = grid.sharedPoint(for: p), !status(s).isComplete {
                let why = "blocked: its shared step \(s.name) did not complete (\(status(s).text))"
                outcome.failed.append((p, why))
                progress.finish(ok: false)
                say("prn sweep: \(p.name): \(why); \(progress.line)")
            } else {
                runnable.append(p)
            }
        }
        if stopSignal == nil { runAll(runnable, progress: progress, into: &outcome) }
        lock.lock()
        outcome.stoppedBy = stopSignal
        lock.unlock()
        return outcome
    }

    private func runAll(_ points: [SweepPoint], progress: SweepProgress, into outcome: inout Outcome) {
        guard !points.isEmpty else { return }
        // Shared by the worker threads, guarded by `lock`.
        final class Work: @unchecked Sendable {
            var next = 0
            var results: [(SweepPoint, String?)] = []
        }
        let work = Work()
        let group = DispatchGroup()
        for _ in 0..<min(settings.jobs, points.count) {
            group.enter()
            Thread.detachNewThread { [self] in
                defer { group.leave() }
                while true {
                    lock.lock()
                    guard stopSignal == nil, work.next < points.count else { lock.unlock(); return }
                    let p = points[work.next]
                    work.next += 1
                    lock.unlock()
                    let started = Date()
                    let failure = runOne(p)
                    lock.lock()
                    let stopped = stopSignal != nil
                    work.results.append((p, failure))
                    lock.unlock()
                    progress.finish(ok: failure == nil, seconds: Date().timeIntervalSince(started))
                    let what = failure.map { stopped ? "stopped" : "FAILED: \($0)" } ?? "ok"
                    say("prn sweep: \(p.name): \(what) in \(SweepProgress.clock(Date().timeIntervalSince(started))); \(progress.line)")
                }
            }
        }
        group.wait()
        for (p, failure) in work.results {
            outcome.ran.append(p)
            if let failure { outcome.failed.append((p, failure)) }
        }
    }

    /// One `prn run`; nil when its log is complete, else why not.
    private func runOne(_ p: SweepPoint) -> String? {
        let log = logURL(p), output = outputURL(p)
        let fm = FileManager.default
        // A failed or partial log of this point is replaced by the new run.
        try? fm.removeItem(at: log)
        do {
            try fm.createDirectory(at: log.deletingLastPathComponent(), withIntermediateDirectories: true)
            try fm.createDirectory(at: output.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            return "cannot create the folders under \(settings.out.path): \(error.localizedDescription)"
        }
        _ = fm.createFile(atPath: output.path, contents: nil)
        let process = Process()
        process.executableURL = settings.prn
        var arguments = ["run", settings.recipe, "--quiet", "--log", Self.shown(log), "--allow", Self.shown(settings.out)]
        for dir in settings.allow { arguments += ["--allow", dir] }
        for (name, value) in p.sets { arguments += ["--set", "\(name)=\(value)"] }
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["PRN_THREADS"] = String(settings.threads)
        // The run stops by itself if this sweep is killed outright (prn run's parent watch).
        environment["PRN_SWEEP_PARENT"] = String(getpid())
        process.environment = environment
        guard let handle = try? FileHandle(forWritingTo: output) else { return "cannot write \(output.path)" }
        defer { try? handle.close() }
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        lock.lock()
        if stopSignal != nil { lock.unlock(); return "not started: the sweep was stopped" }
        do { try process.run() } catch {
            lock.unlock()
            return "cannot start \(settings.prn.path): \(error.localizedDescription)"
        }
        running.append(process.processIdentifier)
        lock.unlock()
        process.waitUntilExit()
        lock.lock()
        running.removeAll { $0 == process.processIdentifier }
        lock.unlock()
        let status = self.status(p)
        if status.isComplete && process.terminationStatus == 0 { return nil }
        let last = (try? String(contentsOf: output, encoding: .utf8))?
            .split(separator: "\n").last(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }).map(String.init)
        return "exit \(process.terminationStatus), log \(status.text)" + (last.map { ": \($0)" } ?? "") + " (output: \(output.path))"
    }
}

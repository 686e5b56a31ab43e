import ArgumentParser
import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Engine
import Runtime

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run a recipe over a grid of variables and seeds, here or as Slurm job arrays.",
        discussion: """
            Every point of the grid (--vary and --seeds crossed, --set for all) is one 'prn run' \
            with its own log, OUT/logs/NAME.jsonl, named by the swept values. A rerun skips the \
            points whose log is complete and matches the recipe and values, and runs the failed, \
            stopped or missing ones again. At the end the tables and plots of every complete log \
            are written to OUT/report, grouped by the swept variables. With --slurm DIR nothing \
            runs: DIR gets job arrays for the same grid, a gather job and submit.sh. \
            Exit status: 0 every point complete; 64 wrong command line; 66 the recipe or grid file \
            is missing; 70 some point failed; 130/143 stopped by Ctrl-C/SIGTERM.
            """)

    @Argument(help: "The .prn recipe.") var recipe: String
    @Option(name: .customLong("set"), help: ArgumentHelp("A variable every point gets.", valueName: "NAME=VALUE"))
    var sets: [String] = []
    @Option(help: ArgumentHelp("A variable to sweep over, its values as a list.", valueName: "NAME=[A, B]"))
    var vary: [String] = []
    @Option(help: ArgumentHelp("Sweep run_seed over 0..N-1.", valueName: "N")) var seeds: Int?
    @Option(help: ArgumentHelp("A file of set/vary/seeds/shared lines (docs/sweep.md).", valueName: "FILE")) var grid: String?
    @Option(help: ArgumentHelp("A step the points share, run once before them with this variable set instead.", valueName: "NAME=VALUE"))
    var shared: String?
    @Option(help: ArgumentHelp("The swept variables the shared step depends on.", valueName: "A,B"))
    var sharedOver: String?
    @Option(help: ArgumentHelp("Folder of the logs and the report (default runs/<recipe name>).", valueName: "DIR")) var out: String?
    @Option(help: "Points run at a time; the cores (or PRN_THREADS) are divided among them.") var jobs = 1
    @Option(help: ArgumentHelp("Also allow the recipe to use files under this folder.", valueName: "DIR")) var allow: [String] = []
    @Option(help: ArgumentHelp("Group the report by these variables (default: the swept ones but run_seed).", valueName: "NAME"))
    var by: [String] = []
    @Flag(help: "Only list the points and the state of their logs.") var list = false
    @Flag(help: "Run nothing: report the complete logs and name the missing and failed points.") var gather = false

    @Option(help: ArgumentHelp("Write Slurm job arrays into this folder instead of running.", valueName: "DIR")) var slurm: String?
    @Option(help: "Slurm account (#SBATCH --account).") var account: String?
    @Option(help: "Slurm partition.") var partition: String?
    @Option(help: ArgumentHelp("Slurm time limit per task.", valueName: "D-HH:MM:SS")) var time: String?
    @Option(help: ArgumentHelp("Slurm memory per task.", valueName: "SIZE")) var mem: String?
    @Option(help: "CPUs per Slurm task (PRN_THREADS of the task).") var cpusPerTask = 1
    @Option(help: ArgumentHelp("Another #SBATCH option for every job.", valueName: "--OPTION=VALUE")) var sbatch: [String] = []

    @Option(help: ArgumentHelp("Run only this point (a Slurm array task).", valueName: "INDEX")) var task: Int?
    @Option(help: ArgumentHelp("What --task counts: point or shared.", valueName: "STAGE")) var stage = "point"

    func validate() throws {
        if jobs < 1 { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
        if !["point", "shared"].contains(stage) { throw ValidationError("--stage must be point or shared, got '\(stage)'") }
        if (shared == nil) != (sharedOver == nil) {
            throw ValidationError("--shared and --shared-over go together, e.g. --shared stage=train --shared-over run_seed")
        }
        if slurm != nil && task != nil { throw ValidationError("--slurm writes the scripts and --task runs one of them; give one") }
    }

    func fail(_ message: String, _ status: Int32) -> ExitCode {
        FileHandle.standardError.write(Data("prn sweep: \(message)\n".utf8))
        return ExitCode(status)
    }

    func makeGrid() throws -> SweepGrid {
        var g = SweepGrid()
        if let grid { try SweepGridFile.read(grid, into: &g) }
        for s in sets { try g.set(s, origin: "--set") }
        for v in vary { try g.vary(v, origin: "--vary") }
        if let seeds { try g.seeds(seeds, origin: "--seeds") }
        if let shared, let sharedOver {
            try g.share(shared, over: sharedOver.split(separator: ",").map(String.init), origin: "--shared")
        }
        try g.validate()
        return g
    }

    func run() throws {
        let recipeText: String
        switch RecipeFile.text(recipe) {
        case .success(let t): recipeText = t
        case .failure(let message): throw fail("\(recipe): \(message)", PrnExit.noInput)
        }
        let g: SweepGrid
        do { g = try makeGrid() } catch let e as SweepGrid.Failure {
            let missing = e.description.hasSuffix("no such file") || e.description.hasSuffix("cannot read the file")
            throw fail(e.description, missing ? PrnExit.noInput : PrnExit.usage)
        }
        let outDir = URL(fileURLWithPath: out ?? "runs/" + URL(fileURLWithPath: recipe).deletingPathExtension().lastPathComponent)
            .standardizedFileURL
        let cores = EnvironmentSettings.threads() ?? ProcessInfo.processInfo.activeProcessorCount
        var settings = SweepRunner.Settings(recipe: recipe, prn: Self.executable(), out: outDir)
        settings.jobs = task == nil ? jobs : 1
        settings.threads = max(1, cores / settings.jobs)
        settings.allow = allow
        let runner = SweepRunner(settings: settings, grid: g, recipeText: recipeText)
        let grouping = by.isEmpty ? g.axes.map(\.name).filter { $0 != SweepGrid.seedVariable } : by

        if list { return listPoints(runner) }
        if let slurm, !gather { return try writeSlurm(slurm, grid: g, out: outDir) }
        if gather { throw ExitCode(gatherLogs(runner, grouping: grouping)) }

        var shared: [SweepPoint]? = nil, points: [SweepPoint]? = nil
        if let task {
            let pool = stage == "shared" ? g.sharedPoints : g.points
            guard pool.indices.contains(task) else {
                throw fail("--task \(task): the sweep has \(pool.count) \(stage == "shared" ? "shared step(s)" : "point(s)"), numbered 0 to \(pool.count - 1)", PrnExit.usage)
            }
            (shared, points) = stage == "shared" ? ([pool[task]], []) : ([], [pool[task]])
        }
        let signals = Self.forwardSignals(to: runner)
        let outcome = runner.run(shared: shared, points: points)
        signals.forEach { $0.cancel() }
        if let sig = outcome.stoppedBy {
            FileHandle.standardError.write(Data("prn sweep: stopped; run the same command again to finish the points left\n".utf8))
            throw ExitCode(PrnExit.stopped(by: sig))
        }
        for (p, why) in outcome.failed { FileHandle.standardError.write(Data("prn sweep: FAILED \(p.name): \(why)\n".utf8)) }
        if task == nil { writeReport(runner, grouping: grouping) }
        throw ExitCode(outcome.failed.isEmpty ? PrnExit.success : PrnExit.runtimeError)
    }

    func listPoints(_ runner: SweepRunner) {
        for p in runner.grid.sharedPoints { print("shared \(p.index)\t\(p.name)\t\(runner.status(p).text)") }
        for p in runner.grid.points { print("point \(p.index)\t\(p.name)\t\(runner.status(p).text)") }
    }

    /// The report of every complete log; false when there was none.
    @discardableResult
    func writeReport(_ runner: SweepRunner, grouping: [String]) -> Bool {
        let all = runner.grid.sharedPoints + runner.grid.points
        let logs = all.filter { runner.status($0).isComplete }.map { SweepRunner.shown(runner.logURL($0)) }
        guard !logs.isEmpty else {
            FileHandle.standardError.write(Data("prn sweep: no complete log to report\n".utf8))
            return false
        }
        let dir = runner.settings.out.appendingPathComponent("report")
        do {
            let files = try SweepReport.write(logs, by: grouping, to: dir)
            print("prn sweep: report of \(logs.count) log(s) in \(dir.path) (\(files.count) files)")
            return true
        } catch {
            FileHandle.standardError.write(Data("prn sweep: cannot write the report into \(dir.path): \(error)\n".utf8))
            return false
        }
    }

    /// `--gather`: the report, the points that are not complete, and with --slurm, resubmit.sh.
    func gatherLogs(_ runner: SweepRunner, grouping: [String]) -> Int32 {
        let badShared = runner.grid.sharedPoints.filter { !runner.status($0).isComplete }
        let badPoints = runner.grid.points.filter { !runner.status($0).isComplete }
        for p in badShared { print("prn sweep: shared step \(p.index) \(p.name): \(runner.status(p).text)") }
        for p in badPoints { print("prn sweep: point \(p.index) \(p.name): \(runner.status(p).text)") }
        let total = runner.grid.sharedPoints.count + runner.grid.points.count
        print("prn sweep: \(total - badShared.count - badPoints.count) of \(total) complete, \(badShared.count + badPoints.count) missing or failed")
        writeReport(runner, grouping: grouping)
        if let slurm {
            let url = URL(fileURLWithPath: slurm).appendingPathComponent("resubmit.sh")
            do {
                try? FileManager.default.removeItem(at: url)
                if !(badShared.isEmpty && badPoints.isEmpty) {
                    let text = SlurmWriter.resubmit(failedShared: badShared.map(\.index), failedPoints: badPoints.map(\.index))
                    try Data(text.utf8).write(to: url, options: .atomic)
                    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
                    print("prn sweep: resubmit the missing and failed ones with 'bash \(url.path)'")
                }
            } catch {
                FileHandle.standardError.write(Data("prn sweep: cannot write \(url.path): \(error)\n".utf8))
                return PrnExit.ioError
            }
        }
        return badShared.isEmpty && badPoints.isEmpty ? PrnExit.success : PrnExit.runtimeError
    }

    func writeSlurm(_ dir: String, grid g: SweepGrid, out: URL) throws {
        var headers = SlurmWriter.Headers()
        headers.account = account
        headers.partition = partition
        headers.time = time
        headers.mem = mem
        headers.cpusPerTask = cpusPerTask
        headers.extra = sbatch
        do { try headers.validate() } catch let e as SweepGrid.Failure { throw fail(e.description, PrnExit.usage) }
        let folder = URL(fileURLWithPath: dir).standardizedFileURL
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        if folder.path.contains(where: { $0.isWhitespace }) || out.path.contains(where: { $0.isWhitespace }) {
            throw fail("--slurm \(dir): #SBATCH lines cannot hold paths with spaces; choose folders without spaces", PrnExit.usage)
        }
        var command = [Self.executable().path, "sweep", recipe, "--grid", folder.appendingPathComponent("grid.txt").path,
                       "--out", out.path]
        for a in allow { command += ["--allow", a] }
        for b in by { command += ["--by", b] }
        let writer = SlurmWriter(sweepCommand: command, workingDirectory: cwd, headers: headers, dir: folder)
        let files: [String]
        do { files = try writer.write(g, points: g.points, shared: g.sharedPoints) } catch {
            throw fail("cannot write into \(dir): \(error.localizedDescription)", PrnExit.ioError)
        }
        print("prn sweep: \(g.points.count) point(s)\(g.sharedPoints.isEmpty ? "" : " after \(g.sharedPoints.count) shared step(s)"); wrote \(files.joined(separator: ", ")) in \(folder.path)")
        print("prn sweep: submit with 'bash \(folder.appendingPathComponent("submit.sh").path)'")
    }

    /// This executable, so every run uses the same prn as the sweep.
    static func executable() -> URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    }

    /// SIGINT/SIGTERM stop the running points (their logs end `cancelled`) and start no more.
    static func forwardSignals(to runner: SweepRunner) -> [DispatchSourceSignal] {
        [SIGINT, SIGTERM].map { sig in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                FileHandle.standardError.write(Data("\nprn sweep: \(sig == SIGINT ? "interrupted" : "terminated"): stopping the running points\n".utf8))
                runner.stop(signal: sig)
            }
            source.resume()
            return source
        }
    }
}

/// Reads a recipe's text for its hash, with the messages `prn run` gives.
enum RecipeFile {
    enum Read { case success(String), failure(String) }
    static func text(_ path: String) -> Read {
        guard FileManager.default.fileExists(atPath: path) else { return .failure("no such file") }
        guard let data = FileManager.default.contents(atPath: path) else { return .failure("cannot read the file") }
        return .success(String(decoding: data, as: UTF8.self))
    }
}

import ArgumentParser
import Foundation
import Runtime

struct PrnCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prn",
        abstract: "A language and REPL for neural-network pruning pipelines.",
        discussion: "With no subcommand, starts the REPL (or reads statements from standard input when it is not a terminal).",
        version: "prn \(PrnVersion.string)",
        subcommands: [RunCommand.self, CheckCommand.self, BenchCommand.self, ReportCommand.self, SweepCommand.self, ReferenceCommand.self, ReplCommand.self],
        defaultSubcommand: ReplCommand.self)
}

/// Options shared by `run` and the REPL.
struct SessionOptions: ParsableArguments {
    @Option(name: .customLong("set"), help: ArgumentHelp("Define a variable before the script runs.", valueName: "NAME=VALUE"))
    var sets: [String] = []

    @Option(help: ArgumentHelp("Write the run log (JSON lines) to this file.", valueName: "FILE"))
    var log: String?

    @Flag(help: "Print only errors and what the script prints.")
    var quiet = false

    @Flag(help: "Also print per-layer tables and every step of an iterative prune.")
    var verbose = false

    @Option(help: ArgumentHelp("Also allow the script to use files under this folder.", valueName: "DIR"))
    var allow: [String] = []

    var verbosity: Verbosity { quiet ? .quiet : verbose ? .verbose : .normal }

    func validate() throws {
        if quiet && verbose { throw ValidationError("--quiet and --verbose contradict each other; give one of them") }
    }

    func parsedSets() throws -> [(String, String)] {
        try sets.map { item in
            guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
                throw ValidationError("--set expects NAME=VALUE, got '\(item)'")
            }
            return (String(item[..<eq]), String(item[item.index(after: eq)...]))
        }
    }

    func runner() throws -> ScriptRunner {
        var r = ScriptRunner()
        r.colour = Terminal.colourOnStandardError
        r.verbosity = verbosity
        r.logPath = log
        r.sets = try parsedSets()
        r.allow = allow
        r.progress = Terminal.isTTY(2) && !quiet ? TerminalProgress() : nil
        return r
    }
}

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Check a script as a whole, then run it.",
        discussion: """
            Exit status: 0 success; 64 wrong command line (unknown subcommand or flag, bad --set); \
            65 the script was refused before running; 66 the script does not exist or cannot be read; \
            70 a command failed while running; 74 the run log cannot be written; 130 interrupted (Ctrl-C), \
            143 terminated (SIGTERM).
            """)

    @Argument(help: "The .prn script.") var file: String
    @OptionGroup var session: SessionOptions

    func run() throws {
        let runner = try session.runner()
        RunInterrupts.install(runner.cancellation)
        ParentWatch.start()
        throw ExitCode(runner.run(file))
    }
}

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Run the static checks on scripts; nothing is trained.")

    @Argument(help: "The .prn scripts.") var files: [String]
    @Option(name: .customLong("set"), help: ArgumentHelp("Declare a variable the script expects.", valueName: "NAME=VALUE"))
    var sets: [String] = []

    func run() throws {
        var r = try SessionOptions.parse(sets.flatMap { ["--set", $0] }).runner()
        r.progress = nil
        throw ExitCode(r.check(files))
    }
}

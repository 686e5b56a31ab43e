import ArgumentParser
import Foundation
import Runtime

/// `prn` with no subcommand. Reads statements from standard input when it is not a terminal
/// (`prn < recipe.prn`); the interactive line editor is a separate piece.
struct ReplCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repl", abstract: "Start the interactive REPL (the default).", shouldDisplay: false)

    @OptionGroup var session: SessionOptions

    func run() throws {
        let runner = try session.runner()
        Interrupts.install(runner.cancellation)
        guard !Terminal.isTTY(0) else {
            FileHandle.standardError.write(Data("prn: the interactive REPL is not available yet in this version; run a script with 'prn run FILE' or pipe statements into 'prn'\n".utf8))
            throw ExitCode(PrnExit.usage)
        }
        throw ExitCode(runner.runStandardInput(FileHandle.standardInput.readDataToEndOfFile()))
    }
}

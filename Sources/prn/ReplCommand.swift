import ArgumentParser
import Foundation
import Engine
import Runtime

/// `prn` with no subcommand: the interactive REPL on a terminal; statements read from standard
/// input otherwise (`prn < recipe.prn`, pipes), checked as a whole and run like a script.
struct ReplCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repl", abstract: "Start the interactive REPL (the default).", shouldDisplay: false)

    @OptionGroup var session: SessionOptions

    func run() throws {
        guard Terminal.isTTY(0) else {
            let runner = try session.runner()
            RunInterrupts.install(runner.cancellation)
            switch InputLimits.readStatements(from: 0) {
            case .failure(let failure):
                FileHandle.standardError.write(Data(failure.message.utf8))
                throw ExitCode(failure.status)
            case .success(let bytes):
                throw ExitCode(runner.runStandardInput(Data(bytes)))
            }
        }
        throw ExitCode(try interactive())
    }

    private func interactive() throws -> Int32 {
        var configuration = REPLEngine.Configuration()
        configuration.colour = Terminal.colourOnStandardError
        configuration.verbosity = session.verbosity
        configuration.sets = try session.parsedSets()
        configuration.allow = session.allow
        configuration.logPath = session.log
        configuration.progress = Terminal.isTTY(2) && !session.quiet ? TerminalProgress() : nil
        let cancellation = CancellationFlag()
        let engine: REPLEngine
        do {
            engine = try REPLEngine(configuration: configuration, cancellation: cancellation)
        } catch let e as VerbError {
            FileHandle.standardError.write(Data("prn: cannot start the session: \(e.message)\(e.help.map { "; \($0)" } ?? "")\n".utf8))
            return PrnExit.usage
        } catch {
            // Everything else is the run log failing to open (not writable, held by another run).
            FileHandle.standardError.write(Data("prn: cannot start the session: \(error)\n".utf8))
            return PrnExit.ioError
        }
        guard let editor = LineEditor(historyPath: HistoryFile.path()) else {
            // The terminal could not be driven: an I/O failure, not a mistake in the command line.
            FileHandle.standardError.write(Data("prn: cannot start the line editor on this terminal; pipe statements into 'prn' instead\n".utf8))
            return PrnExit.ioError
        }
        editor.completer = { line, cursor in
            Completion.complete(line: line, cursor: cursor, context: engine.completionContext())
        }
        REPLInterrupts.install(cancellation, beforeExit: { editor.saveHistory() })
        editor.wakeDescriptor = REPLInterrupts.wakeDescriptor
        editor.interruptPending = { REPLInterrupts.interruptPending }
        if !session.quiet {
            print("prn — pruning REPL. :help lists verbs and commands, Tab completes, Ctrl-D leaves.")
        }
        let status = REPLLoop(engine: engine, editor: editor).run()
        editor.close()
        return status
    }
}

import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Runtime

/// The interactive loop: read a line (more while a block is open), run meta-commands here and
/// everything else through the engine, until Ctrl-D, `:quit` or SIGTERM.
struct REPLLoop {
    let engine: REPLEngine
    let editor: LineEditor

    /// Returns the exit status.
    func run() -> Int32 {
        var pending: [String] = []
        while true {
            if REPLInterrupts.terminationRequested { return 128 + SIGTERM }
            REPLInterrupts.atPrompt()
            let input = editor.read(prompt: pending.isEmpty ? "prn> " : "...> ")
            switch input {
            case .end:
                say("")
                return PrnExit.success
            case .interrupted:
                if REPLInterrupts.terminationRequested { return 128 + SIGTERM }
                say("^C")
                pending = []
            case .tooLong:
                fail("the line is longer than 1 MiB (\(InputLimits.maxLineBytes) bytes) and was discarded")
                pending = []
            case .line(let line):
                editor.addHistory(line)
                if pending.isEmpty {
                    let trimmed = line.trimmingCharacters(in: .whitespaces)
                    if trimmed.isEmpty { continue }
                    if trimmed.hasPrefix(":") {
                        if meta(trimmed) == .quit { return PrnExit.success }
                        continue
                    }
                }
                pending.append(line)
                let text = pending.joined(separator: "\n")
                // An entry whose bracket never closes would otherwise grow with every line.
                if text.utf8.count > InputLimits.maxLineBytes {
                    fail("the entry is longer than 1 MiB (\(InputLimits.maxLineBytes) bytes) and was discarded; close the open bracket sooner, or run long scripts with 'prn run'")
                    pending = []
                    continue
                }
                if InputCompleteness.needsMoreInput(text) { continue }
                pending = []
                command { engine.evaluate(text) }
                editor.saveHistory()
            }
        }
    }

    private func say(_ text: String) {
        print(text)
        fflush(nil)
    }

    private func command(_ body: () -> Void) {
        REPLInterrupts.beginCommand()
        body()
        REPLInterrupts.endCommand()
        fflush(nil)
    }

    private func fail(_ message: String) {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    }

    private enum MetaOutcome { case quit, next }

    private func meta(_ line: String) -> MetaOutcome {
        switch MetaCommand.parse(line) {
        case .failure(let e): fail(e.message)
        case .success(.quit): return .quit
        case .success(.help(nil)):
            say(MetaCommand.overview(verbs: Verbs.table, procedures: Array(engine.context.procedures.keys)))
        case .success(.help(let verb?)):
            switch engine.help(for: verb) {
            case .success(let text): say(text)
            case .failure(let e): fail(e.message)
            }
        case .success(.show): say(engine.summary())
        case .success(.history):
            let entries = editor.historyEntries
            let width = String(entries.count).count
            say(entries.enumerated().map { i, e in
                String(repeating: " ", count: width - String(i + 1).count) + "\(i + 1)  \(e)"
            }.joined(separator: "\n"))
        case .success(.reset):
            engine.reset()
            say("session reset: no data, no model, no variables")
        case .success(.load(let path)):
            command { engine.load(path) }
        case .success(.save(let path)):
            do {
                let url = try engine.saveRecipe(to: path)
                let left = engine.leftOut > 0 ? "; \(engine.leftOut) entr\(engine.leftOut == 1 ? "y" : "ies") with errors left out" : ""
                say("saved \(engine.recipe.count) statement group(s) to \(url.path)\(left)")
            } catch let e as VerbError {
                fail(e.message + (e.help.map { "; " + $0 } ?? ""))
            } catch {
                fail(":save \(path): \(error)")
            }
        }
        return .next
    }
}

import Engine
import Foundation
import Language

/// The REPL without a terminal: one Session and one Interpreter that every entry runs on, the
/// checker context carried from entry to entry, and the successful statements kept for `:save`.
/// The line editor, keys and signals live in the executable; everything here is testable.
public final class REPLEngine {
    public struct Configuration {
        public var colour = false
        public var verbosity = Verbosity.normal
        public var quiet: Bool {
            get { verbosity == .quiet }
            set { verbosity = newValue ? .quiet : .normal }
        }
        public var sets: [(String, String)] = []
        public var allow: [String] = []
        public var logPath: String?
        public var progress: ProgressDisplay?

        public init() {}
    }

    public let configuration: Configuration
    /// The `--set` values, read once (`SetOption`).
    let setValues: [(String, Value)]
    public let cancellation: CancellationFlag
    public private(set) var session: Session
    public private(set) var interpreter: Interpreter
    /// What the checker knows after the last entry: variables, procedures, facts, imports.
    public private(set) var context = CheckContext()
    /// Successful statements in the order they ran (what `:save` writes).
    public private(set) var recipe: [String] = []
    /// Entries left out of the recipe because they had errors.
    public private(set) var leftOut = 0
    public private(set) var entryCount = 0
    public var output: (String) -> Void
    public var errors: (String) -> Void
    let log: RunLog?

    public init(configuration: Configuration = Configuration(), cancellation: CancellationFlag = CancellationFlag(),
                output: @escaping (String) -> Void = { print($0) },
                errors: @escaping (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) throws {
        self.configuration = configuration
        self.cancellation = cancellation
        self.output = output
        self.errors = errors
        setValues = try configuration.sets.map { name, text in (name, try SetOption.parse(name: name, text: text)) }
        let paths = Self.paths(configuration)
        if let logPath = configuration.logPath {
            let url = try paths.resolveForWriting(logPath, purpose: "--log")
            log = try RunLog(url: url, manifest: RunLog.manifest(scriptName: "<repl>", scriptText: "", seed: 0))
        } else {
            log = nil
        }
        (session, interpreter, context) = Self.fresh(configuration, setValues, cancellation, paths, log, output)
    }

    static func paths(_ c: Configuration) -> PathPolicy {
        PathPolicy.standard(scriptFolder: nil, extra: c.allow.map { URL(fileURLWithPath: $0) })
    }

    static func fresh(_ c: Configuration, _ setValues: [(String, Value)], _ cancellation: CancellationFlag,
                      _ paths: PathPolicy, _ log: RunLog?,
                      _ output: @escaping (String) -> Void) -> (Session, Interpreter, CheckContext) {
        let session = Session(paths: paths, cancellation: cancellation, output: output)
        session.verbosity = c.verbosity
        session.progress = c.progress
        session.runLog.file = log
        let interpreter = Interpreter(verbs: Verbs.registry(for: session), cancellation: cancellation, output: output)
        var context = CheckContext()
        for (name, value) in setValues {
            interpreter.define(name, value)
            context.variables[name] = value.staticType
        }
        return (session, interpreter, context)
    }

    /// `:reset`: a fresh session and interpreter (the `--set` variables are defined again).
    public func reset() {
        (session, interpreter, context) = Self.fresh(configuration, setValues, cancellation, Self.paths(configuration), log, output)
        recipe = []
        leftOut = 0
    }

    /// Checks one entry against what the session knows, then runs it. Errors are rendered as
    /// in scripts, with the entry named `<repl:N>`.
    @discardableResult
    public func evaluate(_ text: String) -> RunStatus {
        entryCount += 1
        return run(SourceFile(name: "<repl:\(entryCount)>", text: text), recordAs: nil)
    }

    /// `:load FILE`: runs a script in this session. The file must be where `load` and `import`
    /// may read (the working directory, the data roots, `--allow` folders): a refused file is
    /// neither run nor shown in diagnostics.
    @discardableResult
    public func load(_ path: String) -> RunStatus {
        let url: URL
        do { url = try session.paths.resolve(path, purpose: ":load") } catch let e as VerbError {
            errors(ScriptRunner.message(e))
            return .rejected
        } catch {
            errors("\(error)\n")
            return .rejected
        }
        switch ScriptRunner.read(url.path, name: path) {
        case .failure(let failure):
            errors(failure.message)
            return .rejected
        case .success(let source):
            return run(source, recordAs: "# from \(path)")
        }
    }

    func run(_ source: SourceFile, recordAs header: String?) -> RunStatus {
        let checked = Checker.check(source, verbs: Verbs.table, resolver: FileImportResolver(paths: session.paths),
                                    context: context)
        let renderer = DiagnosticRenderer(sources: checked.sources, colour: configuration.colour)
        if checked.hasErrors {
            errors(renderer.render(checked.diagnostics))
            leftOut += 1
            return .rejected
        }
        cancellation.reset()
        let outcome = interpreter.run(checked)
        if !outcome.diagnostics.isEmpty { errors(renderer.render(outcome.diagnostics)) }
        let kept: String
        if outcome.status == .completed {
            context = checked.context
            kept = source.text
        } else {
            context = afterFailure(checked.context)
            kept = Self.statementsBeforeFailure(checked.main, outcome.diagnostics.last)
            leftOut += 1
        }
        let trimmed = kept.trimmingCharacters(in: .whitespacesAndNewlines)
        if !trimmed.isEmpty { recipe.append(header.map { "\($0)\n\(trimmed)" } ?? trimmed) }
        cancellation.reset()
        return outcome.status
    }

    /// After a failed run the checker's view is optimistic (it assumed every statement ran):
    /// take variables from the interpreter and the model/data facts from the session, and forget
    /// what the checker read from commands (the model's norm).
    func afterFailure(_ checked: CheckContext) -> CheckContext {
        var c = checked
        c.variables = interpreter.variables.mapValues(\.staticType)
        c.models = interpreter.models
        if session.model == nil { c.facts.remove("model") } else { c.facts.insert("model") }
        if session.data == nil { c.facts.remove("data") } else { c.facts.insert("data") }
        // A `load` that failed did not replace the model: what the checker read from it is not known.
        c.known = [:]
        return c
    }

    /// The source text of the top-level statements that finished before the one that failed.
    static func statementsBeforeFailure(_ program: Program, _ failure: Diagnostic?) -> String {
        guard let failure, failure.range.file == program.source.name else { return "" }
        let failing = program.statements.firstIndex { $0.range.end.offset > failure.range.start.offset }
        guard let index = failing, index > 0 else { return "" }
        let start = program.statements[0].range.start.offset
        let end = program.statements[index].range.start.offset
        return String(decoding: program.source.bytes[start..<end], as: UTF8.self)
    }

    /// The recipe `:save` writes: the `--set` variables, the seed, then every successful
    /// statement in order. `prn run` on it reproduces the session.
    public func recipeText() -> String {
        var lines = ["# prn recipe: the successful statements of a REPL session, in order.",
                     "# Run it with: prn run FILE"]
        for (name, value) in setValues { lines.append("let \(name) = \(value.literal)") }
        let startsWithSeed = recipe.first.map { $0.hasPrefix("seed ") || $0.hasPrefix("seed\t") } ?? false
        if !startsWithSeed { lines.append("seed 0") }
        lines += recipe
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes the recipe atomically (a crash never leaves half a file). Returns the path written.
    public func saveRecipe(to path: String) throws -> URL {
        let url = try session.paths.resolveForWriting(path, purpose: ":save")
        try AtomicFile.write(Data(recipeText().utf8), to: url)
        return url
    }
}

import Engine
import Foundation
import Language

/// `prn check` and `prn run`: read a script, check all of it, and only then run it.
public struct ScriptRunner {
    public var colour = false
    public var verbosity = Verbosity.normal
    public var quiet: Bool {
        get { verbosity == .quiet }
        set { verbosity = newValue ? .quiet : .normal }
    }
    public var logPath: String?
    public var sets: [(String, String)] = []
    public var allow: [String] = []
    public var progress: ProgressDisplay?
    public var cancellation = CancellationFlag()
    /// Where diagnostics go (stderr in the CLI).
    public var errors: (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }
    public var output: (String) -> Void = { print($0) }

    public init() {}

    /// Reads a script file; a diagnostic-shaped message when it cannot be read. `name` is how
    /// diagnostics call it (the path as the user wrote it).
    static func read(_ path: String, name: String? = nil) -> Result<SourceFile, ReadFailure> {
        let url = URL(fileURLWithPath: path)
        let name = name ?? path
        let data: Data
        switch InputLimits.readScript(atPath: url.path) {
        case .bytes(let d): data = d
        case .missing:
            return .failure(ReadFailure(message: "\(name): error: no such file\n", status: PrnExit.noInput))
        case .unreadable:
            return .failure(ReadFailure(message: "\(name): error: cannot read the file\n", status: PrnExit.noInput))
        case .tooLong:
            return .failure(ReadFailure(message: "\(name): error: \(InputLimits.tooLongScript)\n"
                                        + "      = help: a recipe is text; keep data in data files and load them\n",
                                        status: PrnExit.staticError))
        }
        switch SourceFile.decode(name: name, bytes: [UInt8](data)) {
        case .success(let f): return .success(f)
        case .failure(let d):
            return .failure(ReadFailure(message: DiagnosticRenderer().render([d]), status: PrnExit.staticError))
        }
    }

    func policy(for path: String) -> PathPolicy {
        let folder = URL(fileURLWithPath: path).standardizedFileURL.deletingLastPathComponent()
        return PathPolicy.standard(scriptFolder: folder, extra: allow.map { URL(fileURLWithPath: $0) })
    }

    /// The `--set` values, or nil after reporting the first one that is not a literal.
    func setValues() -> [(String, Value)]? {
        do {
            return try sets.map { name, text in (name, try SetOption.parse(name: name, text: text)) }
        } catch {
            errors("prn: \(error)\n")
            return nil
        }
    }

    func context(_ values: [(String, Value)]) -> CheckContext {
        var c = CheckContext()
        for (name, value) in values { c.variables[name] = value.staticType }
        return c
    }

    /// Static checks only. Returns the exit code.
    public func check(_ paths: [String]) -> Int32 {
        guard let values = setValues() else { return PrnExit.usage }
        var code = PrnExit.success
        for path in paths {
            switch Self.read(path) {
            case .failure(let failure):
                errors(failure.message)
                code = max(code, failure.status)
            case .success(let source):
                let checked = Checker.check(source, verbs: Verbs.table,
                                            resolver: FileImportResolver(paths: policy(for: path)), context: context(values))
                if !checked.diagnostics.isEmpty {
                    errors(DiagnosticRenderer(sources: checked.sources, colour: colour).render(checked.diagnostics))
                }
                if checked.hasErrors { code = PrnExit.staticError }
            }
        }
        return code
    }

    /// Checks, then runs. Returns the exit code.
    public func run(_ path: String) -> Int32 {
        switch Self.read(path) {
        case .failure(let failure): errors(failure.message); return failure.status
        case .success(let source): return run(source: source, paths: policy(for: path))
        }
    }

    /// Statements read from standard input: named `<stdin>`, relative to the working directory.
    public func runStandardInput(_ data: Data) -> Int32 {
        switch SourceFile.decode(name: "<stdin>", bytes: [UInt8](data)) {
        case .failure(let d): errors(DiagnosticRenderer().render([d])); return PrnExit.staticError
        case .success(let source):
            return run(source: source, paths: PathPolicy.standard(scriptFolder: nil, extra: allow.map { URL(fileURLWithPath: $0) }))
        }
    }

    func run(source: SourceFile, paths: PathPolicy) -> Int32 {
        guard let values = setValues() else { return PrnExit.usage }
        let path = source.name
        let checked = Checker.check(source, verbs: Verbs.table, resolver: FileImportResolver(paths: paths),
                                    context: context(values))
        let renderer = DiagnosticRenderer(sources: checked.sources, colour: colour)
        if checked.hasErrors {
            errors(renderer.render(checked.diagnostics))
            return PrnExit.staticError
        }
        let session = Session(paths: paths, cancellation: cancellation, output: output)
        session.verbosity = verbosity
        if path != "<stdin>" { session.scriptName = path }
        session.progress = progress
        if let logPath {
            let url: URL
            do { url = try paths.resolveForWriting(logPath, purpose: "--log") } catch let e as VerbError {
                errors("prn: " + Self.message(e))
                return PrnExit.usage
            } catch {
                errors("prn: --log \(logPath): \(error)\n")
                return PrnExit.usage
            }
            do {
                // The --set values as given, so `prn sweep` can tell which point a log belongs to.
                let settings = sets.isEmpty ? nil : Dictionary(sets, uniquingKeysWith: { _, last in last })
                session.runLog.file = try RunLog(url: url, manifest: RunLog.manifest(
                    scriptName: path, scriptText: source.text, seed: 0, settings: settings))
            } catch {
                errors("prn: cannot write the run log \(logPath): \(error)\n")
                return PrnExit.ioError
            }
        }
        let interpreter = Interpreter(verbs: Verbs.registry(for: session), cancellation: cancellation, output: output)
        for (name, value) in values { interpreter.define(name, value) }
        // When a command does not reach a stopping point in time, the signal's watchdog ends
        // the process; the log must still say what was running and that the run was stopped.
        cancellation.setLastResort { [log = session.runLog.file, running = interpreter.running] sig in
            log?.close(with: [RunLogRecord(.interrupted(.init(signal: Interrupted.name(sig),
                                                              during: running.current ?? "between commands")), seed: nil),
                              RunLogRecord(.end(.init(status: "cancelled")), seed: nil)])
        }
        defer { cancellation.setLastResort(nil) }
        let outcome = interpreter.run(checked)
        if !outcome.diagnostics.isEmpty { errors(renderer.render(outcome.diagnostics)) }
        // A signal that arrived during the last command stops the run too, even when that
        // command finished: the run was asked to stop and must not report success.
        let stopped = cancellation.signal
        let status = stopped != nil && outcome.status != .rejected ? RunStatus.cancelled : outcome.status
        let reported = session.runLog.failed
        session.logEvent(.end(.init(status: "\(status)")))
        if session.runLog.failed {
            // A failure during the run was reported by the command it stopped; one at the
            // final event has not been reported yet.
            let failure = session.takeLogFailure()
            if !reported, let failure { errors("prn: " + Self.message(failure)) }
            return PrnExit.ioError
        }
        switch status {
        case .completed: return PrnExit.success
        case .rejected: return PrnExit.staticError
        case .cancelled: return PrnExit.stopped(by: stopped)
        case .failed: return PrnExit.status(failing: outcome.diagnostics)
        }
    }
}

extension ScriptRunner {
    /// A verb error outside any script line (command-line options, meta-commands): message and fix.
    static func message(_ e: VerbError) -> String {
        e.message + (e.help.map { "\n  help: \($0)" } ?? "") + "\n"
    }
}

/// A script or input that could not be read, with its message already formatted.
public struct ReadFailure: Error {
    public let message: String
    /// 66 when the file is missing or unreadable, 65 when its bytes are refused.
    public let status: Int32
}

import Foundation
import Language

/// `prn check` and `prn run`: read a script, check all of it, and only then run it.
public struct ScriptRunner {
    public var colour = false
    public var quiet = false
    public var logPath: String?
    public var sets: [(String, String)] = []
    public var allow: [String] = []
    public var progress: ProgressDisplay?
    public var cancellation = CancellationFlag()
    /// Where diagnostics go (stderr in the CLI).
    public var errors: (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }
    public var output: (String) -> Void = { print($0) }

    public init() {}

    /// Reads a script file; a diagnostic-shaped message when it cannot be read.
    static func read(_ path: String) -> Result<SourceFile, ReadFailure> {
        let url = URL(fileURLWithPath: path)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            let exists = FileManager.default.fileExists(atPath: url.path)
            return .failure(ReadFailure(message: "\(path): error: \(exists ? "cannot read the file" : "no such file")\n"))
        }
        switch SourceFile.decode(name: path, bytes: [UInt8](data)) {
        case .success(let f): return .success(f)
        case .failure(let d):
            return .failure(ReadFailure(message: DiagnosticRenderer().render([d])))
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
                code = PrnExit.staticError
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
        case .failure(let failure): errors(failure.message); return PrnExit.staticError
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
        session.quiet = quiet
        session.progress = progress
        if let logPath {
            do {
                let url = try paths.resolve(logPath, purpose: "--log")
                session.log = try RunLog(url: url, manifest: RunLog.manifest(scriptName: path, scriptText: source.text, seed: 0))
            } catch {
                errors("prn: cannot write the run log \(logPath): \(error)\n")
                return PrnExit.usage
            }
        }
        let interpreter = Interpreter(verbs: Verbs.registry(for: session), cancellation: cancellation, output: output)
        for (name, value) in values { interpreter.define(name, value) }
        let outcome = interpreter.run(checked)
        if !outcome.diagnostics.isEmpty { errors(renderer.render(outcome.diagnostics)) }
        session.logEvent("end", ["status": "\(outcome.status)"])
        switch outcome.status {
        case .completed: return PrnExit.success
        case .rejected: return PrnExit.staticError
        case .cancelled: return PrnExit.interrupted
        case .failed:
            // A command stopped by Ctrl-C/SIGTERM fails with its own message; the flag says why.
            return cancellation.isCancelled ? PrnExit.interrupted : PrnExit.runtimeError
        }
    }
}

/// A script or input that could not be read, with its message already formatted.
public struct ReadFailure: Error {
    public let message: String
}

import Engine
import Language

/// Runs checked programs. State (variables, procedures, imported files) persists across
/// `run` calls so a REPL can feed it one line at a time.
public final class Interpreter {
    let registry: VerbRegistry
    let output: (String) -> Void
    public let cancellation: CancellationFlag
    /// The command running now ("file:line: verb"), readable from a signal's watchdog thread.
    public let running = RunningCommand()
    /// Limits on values built at run time; the size limit follows the memory budget.
    public let limits: ValueLimits
    /// Deepest allowed chain of procedure calls.
    public static let maxCallDepth = 200

    let globals = Scope()
    var procedures: [String: ProcedureDecl] = [:]
    /// Model definitions run so far (`model NAME { ... }`), for `load NAME`.
    var models: [String: ModelDecl] = [:]
    /// The checker's bindings for each procedure's body: those of the program that defined it,
    /// which a later program (a later REPL entry) calling it does not hold.
    var procedureBindings: [String: [SourceRange: ArgumentBinding]] = [:]
    /// The checker's bindings for the code running now (CheckedProgram.bindings).
    var bindings: [SourceRange: ArgumentBinding] = [:]
    var executedModules: Set<String> = []
    var callDepth = 0
    /// Commands this interpreter bound to their verbs itself, because the checker could not (their
    /// selector word is computed). Every other command runs with the checker's binding.
    public internal(set) var runTimeBindings = 0

    // Per-run state.
    var program: CheckedProgram?
    var sources: [String: SourceFile] = [:]
    var printed: [String] = []
    var results: [CommandResult] = []

    public init(verbs: VerbRegistry, cancellation: CancellationFlag = CancellationFlag(),
                output: @escaping (String) -> Void = { print($0) }) {
        self.registry = verbs
        self.cancellation = cancellation
        self.output = output
        limits = ValueLimits(memoryBudget: MemoryBudget.bytes)
    }

    /// Top-level variables, e.g. for the REPL's checker context.
    public var variables: [String: Value] { globals.snapshot }

    /// Binds a top-level variable before a run (`--set NAME=VALUE`).
    public func define(_ name: String, _ value: Value) { globals.assign(name, value) }

    /// Runs a program. Refuses to start if the static checks found errors.
    public func run(_ checked: CheckedProgram) -> RunOutcome {
        guard !checked.hasErrors else {
            return RunOutcome(status: .rejected, diagnostics: checked.diagnostics, printed: [], results: [])
        }
        program = checked
        bindings = checked.bindings
        for source in checked.sources { sources[source.name] = source }
        printed = []
        results = []
        callDepth = 0
        var status = RunStatus.completed
        var diagnostics = checked.diagnostics
        do {
            _ = try execute(checked.main.statements, in: globals)
        } catch let failure as RuntimeFailure {
            status = failure.diagnostic.code == .cancelled ? .cancelled : .failed
            diagnostics.append(failure.diagnostic)
        } catch {
            status = .failed
            diagnostics.append(Diagnostic(code: .verbFailed, message: "\(error)", range: checked.main.source.range(from: 0, to: 0)))
        }
        program = nil
        bindings = [:]
        return RunOutcome(status: status, diagnostics: diagnostics, printed: printed, results: results)
    }

    // MARK: Statements

    enum Flow {
        case normal
        case returned(Value)
    }

    func execute(_ statements: [Stmt], in scope: Scope) throws -> Flow {
        for statement in statements {
            if cancellation.isCancelled {
                throw RuntimeFailure(Diagnostic(code: .cancelled, message: "interrupted before this statement",
                                                range: statement.range))
            }
            if case .returned(let value) = try execute(statement, in: scope) { return .returned(value) }
        }
        return .normal
    }

    func execute(_ statement: Stmt, in scope: Scope) throws -> Flow {
        switch statement.kind {
        case .command(let command):
            _ = try call(command, in: scope)
        case .letBinding(let name, let value):
            scope.assign(name.name, try evaluate(value, in: scope))
        case .forLoop(let variable, let sequence, let body):
            let value = try evaluate(sequence, in: scope)
            guard case .list(let items) = value else {
                throw failure(.runtimeType, "'for' needs a list to loop over, found \(value.kindName)", sequence.range)
            }
            for item in items {
                scope.assign(variable.name, item)
                if case .returned(let result) = try execute(body, in: scope) { return .returned(result) }
            }
        case .ifElse(let branches, let elseBody):
            for branch in branches where try condition(branch.condition, "'if'", in: scope) {
                return try execute(branch.body, in: scope)
            }
            if let elseBody { return try execute(elseBody, in: scope) }
        case .procedure(let decl):
            procedures[decl.name.name] = decl
            procedureBindings[decl.name.name] = bindings
        case .model(let decl):
            models[decl.name.name] = decl
        case .importFile(_, let pathRange):
            try runImport(pathRange)
        case .assertion(let conditionExpr, let message):
            if try !condition(conditionExpr, "'assert'", in: scope) {
                let text = try message.map { try evaluate($0, in: scope).display } ?? sourceText(conditionExpr.range)
                throw failure(.assertionFailed, "assertion failed: \(text)", statement.range)
            }
        case .print(let values):
            let line = try values.map { try evaluate($0, in: scope).display }.joined(separator: " ")
            printed.append(line)
            output(line)
        case .returnValue(let value):
            return .returned(try value.map { try evaluate($0, in: scope) } ?? .none)
        }
        return .normal
    }

    func condition(_ expr: Expr, _ owner: String, in scope: Scope) throws -> Bool {
        let value = try evaluate(expr, in: scope)
        guard case .bool(let truth) = value else {
            throw failure(.runtimeType, "\(owner) needs true or false, found \(value.kindName)", expr.range)
        }
        return truth
    }

    /// Runs an imported file once, in the top-level scope so its definitions become visible.
    func runImport(_ pathRange: SourceRange) throws {
        guard let name = program?.importTargets[pathRange] else { return }
        guard !executedModules.contains(name) else { return }
        executedModules.insert(name)
        guard let module = program?.modules[name] else { return }
        _ = try execute(module.statements, in: globals)
    }

    func sourceText(_ range: SourceRange) -> String {
        guard let source = sources[range.file] else { return "condition is false" }
        let bytes = source.bytes[range.start.offset..<min(range.end.offset, source.bytes.count)]
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A runtime error, already shaped as a diagnostic at the failing statement or expression.
struct RuntimeFailure: Error {
    let diagnostic: Diagnostic

    init(_ diagnostic: Diagnostic) {
        self.diagnostic = diagnostic
    }
}

extension Interpreter {
    func failure(_ code: DiagnosticCode, _ message: String, _ range: SourceRange,
                 notes: [DiagnosticNote] = [], help: String? = nil) -> RuntimeFailure {
        RuntimeFailure(Diagnostic(code: code, message: message, range: range, notes: notes, help: help))
    }
}

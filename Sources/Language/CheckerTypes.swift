/// Values the checker passes between a script, its imports and the REPL.

/// What the checker knows about a value before running anything.
public indirect enum StaticType: Sendable, Hashable {
    case unknown, number, string, bool, word, list, none
    /// A record returned by a verb (its `resultFields` are known) or by a procedure (nil).
    case record(verb: String?)

    var display: String {
        switch self {
        case .unknown: return "a value"
        case .number: return "a number"
        case .string: return "a string"
        case .bool: return "true or false"
        case .word: return "a word"
        case .list: return "a list"
        case .none: return "nothing"
        case .record(let verb): return verb.map { "the result of '\($0)'" } ?? "a record"
        }
    }

    /// Whether a value of this static type could satisfy `type` (unknown always could).
    func couldSatisfy(_ type: ValueType) -> Bool {
        switch (self, type) {
        case (.unknown, _): return true
        case (_, .oneOf(let types)): return types.contains { couldSatisfy($0) }
        case (.number, .number), (.number, .integer), (.number, .fraction): return true
        case (.string, .string), (.string, .path), (.string, .word), (.string, .choice): return true
        case (.word, .word), (.word, .choice), (.word, .string): return true
        case (.bool, .bool), (.list, .list): return true
        default: return false
        }
    }
}

/// The calling shape of a user procedure.
public struct ProcedureShape: Sendable, Hashable {
    public var name: String
    public var parameters: [String]
    /// How many leading parameters have no default.
    public var requiredNames: Set<String>
    /// Header did not parse: accept any call.
    public var isMalformed: Bool
    /// Facts the body may provide (so calls count for order checks).
    public var provides: Set<String>
    public var declaredAt: SourceRange

    public init(name: String, parameters: [String], requiredNames: Set<String>, isMalformed: Bool,
                provides: Set<String>, declaredAt: SourceRange) {
        self.name = name
        self.parameters = parameters
        self.requiredNames = requiredNames
        self.isMalformed = isMalformed
        self.provides = provides
        self.declaredAt = declaredAt
    }
}

/// Names and facts already established, e.g. by earlier REPL lines or `--set NAME=VALUE`.
public struct CheckContext: Sendable {
    public var variables: [String: StaticType]
    public var procedures: [String: ProcedureShape]
    /// State facts that may already hold ("model", "scores").
    public var facts: Set<String>
    /// Files already imported (by resolved name); importing them again is a no-op.
    public var importedFiles: Set<String>
    /// Properties of the state known from constant commands (the loaded model's norm).
    public var known: [String: KnownProperty]
    /// Model definitions (`model NAME { ... }`) visible to `load`.
    public var models: [String: ModelDecl]

    public init(variables: [String: StaticType] = [:], procedures: [String: ProcedureShape] = [:],
                facts: Set<String> = [], importedFiles: Set<String> = [], known: [String: KnownProperty] = [:],
                models: [String: ModelDecl] = [:]) {
        self.known = known
        self.models = models
        self.variables = variables
        self.procedures = procedures
        self.facts = facts
        self.importedFiles = importedFiles
    }
}

/// A checked script: its tree, every imported file's tree, and all diagnostics.
public struct CheckedProgram: Sendable {
    public var main: Program
    /// Imported files by resolved name.
    public var modules: [String: Program]
    /// For each `import` statement (by the range of its path string), the resolved file name.
    public var importTargets: [SourceRange: String]
    public var diagnostics: [Diagnostic]
    /// Every file involved, for the diagnostic renderer.
    public var sources: [SourceFile]
    /// Names and facts after the whole program, for checking the next REPL line.
    public var context: CheckContext
    /// The binding of each verb command whose selector word the source shows (by the command's
    /// range), for the interpreter to run without binding again. A command whose selector is
    /// computed (`score m` with `m` a variable) has none: only its value decides the options.
    public var bindings: [SourceRange: ArgumentBinding] = [:]

    public var hasErrors: Bool { diagnostics.contains { $0.isError } }
}

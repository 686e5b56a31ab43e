import Language

/// One command ready to run: arguments evaluated, checked against the signature, and every
/// omitted optional argument and option filled with its default.
public struct VerbInvocation: Sendable {
    public var verb: String
    /// Positional arguments in signature order (defaults filled in; absent ones without a
    /// default are left out, so `arguments.count` may be less than the signature's).
    public var arguments: [Value]
    /// Positional arguments by their signature names.
    public var namedArguments: [String: Value]
    /// Options with defaults filled in.
    public var options: [String: Value]
    /// Options written in the script (as opposed to defaults).
    public var givenOptions: Set<String>
    /// The command's place in the script, for the verb's own diagnostics.
    public var range: SourceRange
    /// `load NAME` of a model defined in the script (DefinedModels.swift).
    public var definedModel: DefinedModelCall?

    public init(verb: String, arguments: [Value], namedArguments: [String: Value], options: [String: Value],
                givenOptions: Set<String>, range: SourceRange) {
        self.verb = verb
        self.arguments = arguments
        self.namedArguments = namedArguments
        self.options = options
        self.givenOptions = givenOptions
        self.range = range
    }

    public func argument(_ name: String) -> Value? { namedArguments[name] }
    public func option(_ name: String) -> Value? { options[name] }
}

/// What a verb does. Real verbs (one file each in Runtime) and test fakes both conform.
public protocol VerbHandler {
    func run(_ invocation: VerbInvocation) throws -> Value
}

/// A handler from a closure.
public struct ClosureVerbHandler: VerbHandler {
    let body: (VerbInvocation) throws -> Value

    public init(_ body: @escaping (VerbInvocation) throws -> Value) {
        self.body = body
    }

    public func run(_ invocation: VerbInvocation) throws -> Value { try body(invocation) }
}

/// An error a verb reports to the user, e.g. "prune needs scores: run 'score METHOD' first".
/// Becomes a diagnostic at the command's location, with `code` (E504 unless the verb knows better).
public struct VerbError: Error, Sendable {
    public var message: String
    public var help: String?
    public var notes: [String]
    public var code: DiagnosticCode

    public init(_ message: String, help: String? = nil, notes: [String] = [], code: DiagnosticCode = .verbFailed) {
        self.message = message
        self.help = help
        self.notes = notes
        self.code = code
    }

    /// A verb's message about a module's error, coded by that error's kind (see ErrorCodes).
    public init(_ message: String, cause: Error, help: String? = nil) {
        self.init(message, help: help, code: ErrorCodes.code(for: cause))
    }
}

/// Signatures and their handlers. The table part is what the checker, `:help` and completion read.
public struct VerbRegistry {
    public private(set) var table = VerbTable()
    private var handlers: [String: any VerbHandler] = [:]

    public init() {}

    public mutating func register(_ signature: VerbSignature, handler: any VerbHandler) {
        table.register(signature)
        handlers[signature.name] = handler
    }

    public mutating func register(_ signature: VerbSignature, _ body: @escaping (VerbInvocation) throws -> Value) {
        register(signature, handler: ClosureVerbHandler(body))
    }

    public func handler(for verb: String) -> (any VerbHandler)? { handlers[verb] }
}

/// The syntax tree. Every node carries the source range it came from.

public struct Identifier: Sendable, Hashable {
    public var name: String
    public var range: SourceRange

    public init(name: String, range: SourceRange) {
        self.name = name
        self.range = range
    }
}

public enum UnaryOperator: String, Sendable {
    case negate = "-", not = "not"
}

public enum BinaryOperator: String, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/"
    case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    case and, or

    var precedence: Int {
        switch self {
        case .or: return 1
        case .and: return 2
        case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual: return 3
        case .add, .subtract: return 4
        case .multiply, .divide: return 5
        }
    }
}

public struct Expr: Sendable {
    public indirect enum Kind: Sendable {
        case number(Double)
        case string(String)
        case bool(Bool)
        case name(String)
        case list([Expr])
        case field(Expr, Identifier)
        case unary(UnaryOperator, Expr)
        case binary(BinaryOperator, Expr, Expr)
        /// A parenthesised command used as a value: `(eval)`.
        case command(Command)
        /// Text that failed to parse (already reported); checks and evaluation skip it.
        case invalid
    }

    public var kind: Kind
    public var range: SourceRange
    /// Height of this subtree; the parser bounds it so later recursive passes cannot overflow.
    public var height: Int

    public init(_ kind: Kind, range: SourceRange, height: Int = 1) {
        self.kind = kind
        self.range = range
        self.height = height
    }
}

/// `name=value` after a command's positional arguments.
public struct OptionArgument: Sendable {
    public var name: Identifier
    public var value: Expr

    public init(name: Identifier, value: Expr) {
        self.name = name
        self.value = value
    }
}

/// `VERB arg* key=value*`, also used for calls to user procedures.
public struct Command: Sendable {
    public var verb: Identifier
    public var arguments: [Expr]
    public var options: [OptionArgument]
    public var range: SourceRange

    public init(verb: Identifier, arguments: [Expr], options: [OptionArgument], range: SourceRange) {
        self.verb = verb
        self.arguments = arguments
        self.options = options
        self.range = range
    }
}

public struct Parameter: Sendable {
    public var name: Identifier
    public var defaultValue: Expr?

    public init(name: Identifier, defaultValue: Expr?) {
        self.name = name
        self.defaultValue = defaultValue
    }
}

public struct ProcedureDecl: Sendable {
    public var name: Identifier
    public var parameters: [Parameter]
    public var body: [Stmt]
    /// The header did not parse; calls are accepted with any arguments to avoid follow-on errors.
    public var isMalformed: Bool

    public init(name: Identifier, parameters: [Parameter], body: [Stmt], isMalformed: Bool = false) {
        self.name = name
        self.parameters = parameters
        self.body = body
        self.isMalformed = isMalformed
    }
}

/// One `if`/`else if` arm.
public struct ConditionalBranch: Sendable {
    public var condition: Expr
    public var body: [Stmt]

    public init(condition: Expr, body: [Stmt]) {
        self.condition = condition
        self.body = body
    }
}

public struct Stmt: Sendable {
    public enum Kind: Sendable {
        case command(Command)
        case letBinding(Identifier, Expr)
        case forLoop(Identifier, Expr, [Stmt])
        /// `if`, any number of `else if`, and an optional `else` (flattened, so long chains
        /// do not nest).
        case ifElse([ConditionalBranch], elseBody: [Stmt]?)
        case procedure(ProcedureDecl)
        /// `model NAME(params) input=[...] { layers }` (ModelDefinition.swift).
        case model(ModelDecl)
        case importFile(path: String, pathRange: SourceRange)
        case assertion(Expr, message: Expr?)
        case print([Expr])
        case returnValue(Expr?)
    }

    public var kind: Kind
    public var range: SourceRange

    public init(_ kind: Kind, range: SourceRange) {
        self.kind = kind
        self.range = range
    }
}

/// A parsed file.
public struct Program: Sendable {
    public var source: SourceFile
    public var statements: [Stmt]

    public init(source: SourceFile, statements: [Stmt]) {
        self.source = source
        self.statements = statements
    }
}

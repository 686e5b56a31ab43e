import Language

/// `--set NAME=VALUE`. The value is read as a .prn literal with the language's own lexer and
/// parser, so it gets the checks a literal in a script gets (`1e400` is refused), and a typo
/// (`[1, 2`, `a+b`) is refused instead of silently becoming a string.
public enum SetOption {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    static let accepted = "VALUE must be a .prn literal: numbers (3, -0.5, 1e-4, 50%), strings in double quotes "
        + "(--set 'file=\"models/a.safetensors\"'), true, false, bare names (taken as their text), or lists of these in [ ]"

    /// The value of one `--set NAME=VALUE`, or a message naming the argument and what it accepts.
    public static func parse(name: String, text: String) throws -> Value {
        let argument = "--set \(name)=\(text)".replacingOccurrences(of: "\n", with: "\\n")
        func refuse(_ problem: String) -> Failure {
            Failure(description: "\(argument): \(problem); \(accepted)")
        }
        guard isName(name) else {
            throw Failure(description: "\(argument): '\(name)' is not a variable name; NAME must be letters, digits, _ or -, start with a letter or _, and not be a reserved word")
        }
        let source = SourceFile(name: "--set \(name)", text: text)
        let (parsed, diagnostics) = Parser.parseExpression(source)
        guard let expression = parsed else {
            let first = diagnostics.first
            let column = first.map { " at column \($0.range.start.column)" } ?? ""
            throw refuse((first?.message ?? "not a value") + column)
        }
        let value = try literal(expression, refuse)
        let limits = ValueLimits(memoryBudget: MemoryBudget.bytes)
        guard value.depth <= ValueLimits.maxDepth, value.size <= limits.size else {
            throw refuse("the value is larger than the limit for values (\(limits.size) elements and string bytes)")
        }
        return value
    }

    private static func literal(_ expr: Expr, _ refuse: (String) -> Failure) throws -> Value {
        switch expr.kind {
        case .number(let v): return .number(v)
        case .string(let s): return .string(s)
        case .bool(let b): return .bool(b)
        // A bare name is its text, as `--set method=mipp` has always meant.
        case .name(let n): return .string(n)
        case .list(let elements): return .list(ValueList(try elements.map { try literal($0, refuse) }))
        default: throw refuse("only literals are accepted, not expressions or commands")
        }
    }

    static func isName(_ text: String) -> Bool {
        let tokens = Lexer.tokenize(SourceFile(name: "--set", text: text)).tokens.map(\.kind)
        guard tokens.count == 2, tokens[1] == .endOfFile, case .identifier(let name) = tokens[0] else { return false }
        return name == text
    }
}

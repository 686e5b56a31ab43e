/// Tokens produced by the lexer.
public enum TokenKind: Sendable, Hashable {
    case identifier(String)
    /// `isPercent` marks `50%`, already scaled to 0.5.
    case number(Double, isPercent: Bool)
    case string(String)
    case keyword(Keyword)
    case symbol(Symbol)
    /// A newline or `;`: both end a statement.
    case endOfStatement
    case endOfFile
    /// Text the lexer already reported; the parser skips the statement quietly.
    case invalid
}

public enum Keyword: String, Sendable, CaseIterable {
    case `let`, `for`, `in`, `if`, `else`, `def`, `import`, `assert`, `print`, `return`
    case `true`, `false`, `and`, `or`, `not`
}

public enum Symbol: String, Sendable, CaseIterable {
    case leftBracket = "[", rightBracket = "]", leftParen = "(", rightParen = ")"
    case leftBrace = "{", rightBrace = "}", assign = "=", comma = ",", dot = "."
    case plus = "+", minus = "-", star = "*", slash = "/"
    case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
}

public struct Token: Sendable, Hashable {
    public var kind: TokenKind
    public var range: SourceRange
    /// True when whitespace or a comment separates this token from the previous one.
    public var spaceBefore: Bool

    public init(kind: TokenKind, range: SourceRange, spaceBefore: Bool) {
        self.kind = kind
        self.range = range
        self.spaceBefore = spaceBefore
    }

    /// How the token reads in messages: `'{'`, `identifier 'x'`, `end of line`.
    public var display: String {
        switch kind {
        case .identifier(let name): return "'\(name)'"
        case .number: return "a number"
        case .string: return "a string"
        case .keyword(let keyword): return "'\(keyword.rawValue)'"
        case .symbol(let symbol): return "'\(symbol.rawValue)'"
        case .endOfStatement: return "end of line"
        case .endOfFile: return "end of file"
        case .invalid: return "invalid text"
        }
    }
}

/// Token navigation, error reporting and recovery for the parser.
extension Parser {
    var current: Token { tokens[min(position, tokens.count - 1)] }
    var isAtEnd: Bool { current.kind == .endOfFile }
    var isAtStatementEnd: Bool {
        switch current.kind {
        case .endOfStatement, .endOfFile, .symbol(.rightBrace): return true
        default: return false
        }
    }
    var previousRange: SourceRange { tokens[max(0, min(position, tokens.count) - 1)].range }

    func peek(_ offset: Int) -> Token { tokens[min(position + offset, tokens.count - 1)] }

    func check(_ symbol: Symbol) -> Bool {
        if case .symbol(let found) = current.kind { return found == symbol }
        return false
    }

    @discardableResult
    mutating func advance() -> Token {
        let token = current
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    mutating func skipSeparators() {
        while current.kind == .endOfStatement { advance() }
    }

    @discardableResult
    mutating func expect(_ symbol: Symbol, _ context: String) throws -> Token {
        if check(symbol) { return advance() }
        throw fail(.expectedToken, "expected '\(symbol.rawValue)' \(context), found \(current.display)",
                   at: current.range)
    }

    mutating func expect(_ kind: TokenKind, _ context: String) throws {
        if current.kind == kind { advance(); return }
        let expected: String
        if case .keyword(let keyword) = kind { expected = "'\(keyword.rawValue)'" } else { expected = "\(kind)" }
        throw fail(.expectedToken, "expected \(expected) \(context), found \(current.display)", at: current.range)
    }

    mutating func expectIdentifier(_ context: String) throws -> Identifier {
        if case .identifier(let name) = current.kind {
            return Identifier(name: name, range: advance().range)
        }
        var help: String?
        if case .keyword(let keyword) = current.kind {
            help = "'\(keyword.rawValue)' is a reserved word; choose another name"
        }
        throw fail(.expectedToken, "expected a name \(context), found \(current.display)",
                   at: current.range, help: help)
    }

    /// Records a diagnostic (unless the lexer already reported this spot) and returns the
    /// error that abandons the statement.
    mutating func fail(_ code: DiagnosticCode, _ message: String, at range: SourceRange,
                       help: String? = nil) -> Abandon {
        if current.kind != .invalid {
            report(code, message, at: range, help: help)
        }
        return Abandon()
    }

    mutating func report(_ code: DiagnosticCode, _ message: String, at range: SourceRange,
                         notes: [DiagnosticNote] = [], help: String? = nil) {
        diagnostics.append(Diagnostic(code: code, message: message, range: range, notes: notes, help: help))
    }

    /// Counts one level of nesting; past the limit reports once and unwinds the whole statement.
    mutating func enter(_ range: SourceRange) throws {
        depth += 1
        if depth > Parser.maxDepth {
            report(.nestingTooDeep, "nesting is deeper than \(Parser.maxDepth) levels", at: range,
                   help: "split the expression or block into smaller pieces with 'let' or 'def'")
            throw TooDeep()
        }
    }

    mutating func checkHeight(_ expr: Expr) throws -> Expr {
        if expr.height + depth > Parser.maxDepth {
            report(.nestingTooDeep, "expression is nested deeper than \(Parser.maxDepth) levels", at: expr.range,
                   help: "split the expression into smaller pieces with 'let'")
            throw TooDeep()
        }
        return expr
    }

    /// Skips to the start of the next statement: past the line break, or up to a '}' that
    /// closes the enclosing block. Braces opened while skipping are skipped with their content.
    mutating func synchronize() {
        var braces = 0
        while !isAtEnd {
            switch current.kind {
            case .endOfStatement where braces == 0:
                advance()
                return
            case .symbol(.leftBrace):
                braces += 1
            case .symbol(.rightBrace):
                if braces == 0 { return }
                braces -= 1
            default:
                break
            }
            advance()
        }
    }

    /// Skips the rest of a statement but stops before its end, so the caller can still
    /// return a partial statement (e.g. a `let` whose name stays declared).
    mutating func skipToStatementEnd() {
        var braces = 0
        while !isAtEnd {
            switch current.kind {
            case .endOfStatement where braces == 0: return
            case .symbol(.leftBrace): braces += 1
            case .symbol(.rightBrace):
                if braces == 0 { return }
                braces -= 1
            default: break
            }
            advance()
        }
    }

    /// Skips one whole top-level statement including all nested blocks, without recursion.
    mutating func skipBalancedStatement() {
        var braces = 0
        while !isAtEnd {
            switch current.kind {
            case .symbol(.leftBrace): braces += 1
            case .symbol(.rightBrace): braces = max(0, braces - 1)
            case .endOfStatement where braces == 0:
                advance()
                return
            default: break
            }
            advance()
        }
    }

    /// Parses an `if`/`for` header; on a syntax error skips to the '{' on the same line so the
    /// block is still parsed (its definitions stay visible and its errors are still found).
    mutating func recoveringHeader(_ parse: (inout Parser) throws -> Expr) throws -> Expr {
        let start = current.range
        do {
            return try parse(&self)
        } catch is Abandon {
            while !isAtEnd, !check(.leftBrace), current.kind != .endOfStatement { advance() }
            guard check(.leftBrace) else { throw Abandon() }
            return Expr(.invalid, range: start)
        }
    }

    /// True when an `else` follows, possibly on the next line; leaves it as the current token.
    mutating func skipToElse() -> Bool {
        var probe = position
        while tokens[probe].kind == .endOfStatement, probe < tokens.count - 1 { probe += 1 }
        if case .keyword(.else) = tokens[probe].kind {
            position = probe
            return true
        }
        return false
    }
}

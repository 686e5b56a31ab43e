/// Expressions by precedence climbing: or < and < comparisons < + - < * / < unary < postfix.
extension Parser {
    mutating func parseExpression() throws -> Expr {
        try parseBinary(minimumPrecedence: 1)
    }

    private func binaryOperator(_ token: Token) -> BinaryOperator? {
        switch token.kind {
        case .keyword(.and): return .and
        case .keyword(.or): return .or
        case .symbol(let symbol):
            switch symbol {
            case .plus: return .add
            case .minus: return .subtract
            case .star: return .multiply
            case .slash: return .divide
            case .equal: return .equal
            case .notEqual: return .notEqual
            case .less: return .less
            case .lessEqual: return .lessEqual
            case .greater: return .greater
            case .greaterEqual: return .greaterEqual
            default: return nil
            }
        default: return nil
        }
    }

    private mutating func parseBinary(minimumPrecedence: Int) throws -> Expr {
        var left = try parseUnary()
        while let op = binaryOperator(current), op.precedence >= minimumPrecedence {
            advance()
            let right = try parseBinary(minimumPrecedence: op.precedence + 1)
            left = try checkHeight(Expr(.binary(op, left, right), range: left.range.union(right.range),
                                        height: max(left.height, right.height) + 1))
        }
        return left
    }

    private mutating func parseUnary() throws -> Expr {
        let token = current
        let op: UnaryOperator
        switch token.kind {
        case .symbol(.minus): op = .negate
        case .keyword(.not): op = .not
        default: return try parsePostfix()
        }
        advance()
        try enter(token.range)
        defer { depth -= 1 }
        let operand = try parseUnary()
        let range = token.range.union(operand.range)
        // Fold `-3` into a constant so range checks see negative literals.
        if op == .negate, case .number(let value) = operand.kind {
            return Expr(.number(-value), range: range)
        }
        return try checkHeight(Expr(.unary(op, operand), range: range, height: operand.height + 1))
    }

    private mutating func parsePostfix() throws -> Expr {
        var expr = try parsePrimary()
        while check(.dot) {
            advance()
            let field = try expectIdentifier("after '.'")
            expr = try checkHeight(Expr(.field(expr, field), range: expr.range.union(field.range),
                                        height: expr.height + 1))
        }
        return expr
    }

    private mutating func parsePrimary() throws -> Expr {
        let token = current
        switch token.kind {
        case .number(let value, _):
            advance()
            return Expr(.number(value), range: token.range)
        case .string(let text):
            advance()
            return Expr(.string(text), range: token.range)
        case .keyword(.true), .keyword(.false):
            advance()
            return Expr(.bool(token.kind == .keyword(.true)), range: token.range)
        case .identifier(let name):
            advance()
            return Expr(.name(name), range: token.range)
        case .invalid:
            advance()
            return Expr(.invalid, range: token.range)
        case .symbol(.leftBracket):
            return try parseList()
        case .symbol(.leftParen):
            return try parseParenthesised()
        default:
            throw fail(.expectedExpression, "expected a value, found \(token.display)", at: token.range)
        }
    }

    private mutating func parseList() throws -> Expr {
        let open = advance()
        try enter(open.range)
        defer { depth -= 1 }
        var elements: [Expr] = []
        var height = 1
        while !check(.rightBracket) {
            let element = try parseExpression()
            elements.append(element)
            height = max(height, element.height + 1)
            if check(.comma) { advance() } else { break }
        }
        let close = try expect(.rightBracket, "to close the list")
        return try checkHeight(Expr(.list(elements), range: open.range.union(close.range), height: height))
    }

    /// `( expr )` or a parenthesised command `(eval split=val)`. A name followed by a value,
    /// an option or ')' reads as a command; anything else as an expression.
    private mutating func parseParenthesised() throws -> Expr {
        let open = advance()
        try enter(open.range)
        defer { depth -= 1 }
        if case .identifier = current.kind, startsCommandArgument(peek(1)) {
            let command = try parseCommand()
            let close = try expect(.rightParen, "to close the command")
            let height = 1 + (command.arguments.map(\.height) + command.options.map(\.value.height)).reduce(0, max)
            return try checkHeight(Expr(.command(command), range: open.range.union(close.range), height: height))
        }
        let inner = try parseExpression()
        let close = try expect(.rightParen, "to close '('")
        return try checkHeight(Expr(inner.kind, range: open.range.union(close.range), height: inner.height + 1))
    }

    private func startsCommandArgument(_ token: Token) -> Bool {
        switch token.kind {
        case .identifier, .number, .string, .invalid, .keyword(.true), .keyword(.false),
             .symbol(.rightParen), .symbol(.leftBracket), .symbol(.leftParen):
            return true
        default:
            return false
        }
    }
}

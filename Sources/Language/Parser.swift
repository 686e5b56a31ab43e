/// Recursive-descent parser. A syntax error abandons only the statement it occurs in: the
/// parser skips to the next statement boundary and goes on, so every error of a file is
/// reported once and nothing cascades.
public struct Parser {
    /// Deepest allowed nesting of blocks and expressions; keeps every later recursive pass
    /// (checker, interpreter) far from the stack limit.
    public static let maxDepth = 256

    let source: SourceFile
    let tokens: [Token]
    var position = 0
    var depth = 0
    public internal(set) var diagnostics: [Diagnostic] = []

    /// The statement was abandoned after its error was recorded.
    struct Abandon: Error {}
    /// Nesting limit hit: unwind to the top-level statement, which is skipped as a whole.
    struct TooDeep: Error {}

    public init(source: SourceFile, tokens: [Token]) {
        self.source = source
        self.tokens = tokens
    }

    /// Lexes and parses one file.
    public static func parse(_ source: SourceFile) -> (program: Program, diagnostics: [Diagnostic]) {
        let (tokens, lexical) = Lexer.tokenize(source)
        var parser = Parser(source: source, tokens: tokens)
        let statements = parser.parseTopLevel()
        return (Program(source: source, statements: statements), lexical + parser.diagnostics)
    }

    // MARK: Statement lists

    mutating func parseTopLevel() -> [Stmt] {
        var statements: [Stmt] = []
        while true {
            skipSeparators()
            if isAtEnd { break }
            if case .symbol(.rightBrace) = current.kind {
                report(.expectedStatement, "unexpected '}' with no open block", at: current.range)
                advance()
                continue
            }
            let start = position
            do {
                if let statement = try parseStatement() { statements.append(statement) }
            } catch is TooDeep {
                depth = 0
                position = start
                skipBalancedStatement()
            } catch {
                synchronize()
            }
        }
        return statements
    }

    /// `{ statement* }`; the opening brace is the current token.
    mutating func parseBlock() throws -> [Stmt] {
        let open = try expect(.leftBrace, "to start a block")
        try enter(open.range)
        defer { depth -= 1 }
        var statements: [Stmt] = []
        while true {
            skipSeparators()
            if case .symbol(.rightBrace) = current.kind { advance(); break }
            if isAtEnd {
                report(.expectedToken, "expected '}' to close the block", at: current.range,
                       notes: [DiagnosticNote("block opened here", range: open.range)])
                break
            }
            do {
                if let statement = try parseStatement() { statements.append(statement) }
            } catch is Abandon {
                synchronize()
            }
        }
        return statements
    }

    // MARK: Statements

    mutating func parseStatement() throws -> Stmt? {
        let token = current
        switch token.kind {
        case .keyword(.let): return try finish(parseLet())
        case .keyword(.for): return try finish(parseFor())
        case .keyword(.if): return try finish(parseIf())
        case .keyword(.def): return try finish(parseDef())
        case .keyword(.import): return try finish(parseImport())
        case .keyword(.assert): return try finish(parseAssert())
        case .keyword(.print): return try finish(parsePrint())
        case .keyword(.return): return try finish(parseReturn())
        case .keyword(.else):
            throw fail(.expectedStatement, "'else' without a matching 'if'", at: token.range,
                       help: "put 'else' right after the closing '}' of an if block")
        case .identifier("model") where isModelHeader:
            return try finish(parseModel())
        case .identifier:
            let command = try parseCommand()
            return try finish(Stmt(.command(command), range: command.range))
        case .invalid:
            throw Abandon()
        default:
            throw fail(.expectedStatement, "expected a statement, found \(token.display)", at: token.range,
                       help: "a statement starts with a verb, 'let', 'for', 'if', 'def', 'import', 'assert' or 'print'")
        }
    }

    /// A statement must be followed by a line break, ';', '}' or the end of the file. Extra
    /// text is reported and skipped, but the statement itself is kept (a `let` stays declared).
    mutating func finish(_ statement: Stmt) throws -> Stmt {
        switch current.kind {
        case .endOfStatement, .endOfFile, .symbol(.rightBrace): return statement
        default:
            _ = fail(.expectedEndOfStatement, "expected the end of the statement, found \(current.display)",
                     at: current.range, help: "start a new line or separate statements with ';'")
            skipToStatementEnd()
            return statement
        }
    }

    mutating func parseLet() throws -> Stmt {
        let keyword = advance()
        let name = try expectIdentifier("after 'let'")
        do {
            try expect(.assign, "after the name in 'let \(name.name)'")
            let value = try parseExpression()
            return Stmt(.letBinding(name, value), range: keyword.range.union(value.range))
        } catch is Abandon {
            // Keep the name declared so later uses do not report it as undefined.
            skipToStatementEnd()
            let invalid = Expr(.invalid, range: name.range)
            return Stmt(.letBinding(name, invalid), range: keyword.range.union(name.range))
        }
    }

    mutating func parseFor() throws -> Stmt {
        let keyword = advance()
        let variable = try expectIdentifier("after 'for'")
        let sequence = try recoveringHeader {
            try $0.expect(.keyword(.in), "after the loop variable")
            return try $0.parseExpression()
        }
        let body = try parseBlock()
        return Stmt(.forLoop(variable, sequence, body), range: keyword.range.union(previousRange))
    }

    mutating func parseIf() throws -> Stmt {
        let keyword = advance()
        var branches: [ConditionalBranch] = []
        var elseBody: [Stmt]?
        var condition = try recoveringHeader { try $0.parseExpression() }
        branches.append(ConditionalBranch(condition: condition, body: try parseBlock()))
        while skipToElse() {
            advance()
            if case .keyword(.if) = current.kind {
                advance()
                condition = try recoveringHeader { try $0.parseExpression() }
                branches.append(ConditionalBranch(condition: condition, body: try parseBlock()))
            } else {
                elseBody = try parseBlock()
                break
            }
        }
        return Stmt(.ifElse(branches, elseBody: elseBody), range: keyword.range.union(previousRange))
    }

    mutating func parseDef() throws -> Stmt {
        let keyword = advance()
        let name = try expectIdentifier("after 'def'")
        var parameters: [Parameter] = []
        var malformed = false
        do {
            try expect(.leftParen, "after the procedure name")
            parameters = try parseParameterList()
        } catch is Abandon {
            malformed = true
            while !isAtEnd, !check(.leftBrace), current.kind != .endOfStatement { advance() }
            guard check(.leftBrace) else { throw Abandon() }
        }
        let body = try parseBlock()
        let decl = ProcedureDecl(name: name, parameters: parameters, body: body, isMalformed: malformed)
        return Stmt(.procedure(decl), range: keyword.range.union(name.range))
    }

    /// `a, b=1)` after an opening parenthesis, through the closing one.
    mutating func parseParameterList() throws -> [Parameter] {
        var parameters: [Parameter] = []
        while !check(.rightParen) {
            let parameter = try expectIdentifier("as a parameter name")
            var defaultValue: Expr?
            if check(.assign) {
                advance()
                defaultValue = try parseExpression()
            }
            parameters.append(Parameter(name: parameter, defaultValue: defaultValue))
            if check(.comma) { advance() } else { break }
        }
        try expect(.rightParen, "to close the parameter list")
        return parameters
    }

    mutating func parseImport() throws -> Stmt {
        let keyword = advance()
        guard case .string(let path) = current.kind else {
            throw fail(.expectedToken, "expected a quoted file name after 'import'", at: current.range,
                       help: "write: import \"file.prn\"")
        }
        let pathToken = advance()
        return Stmt(.importFile(path: path, pathRange: pathToken.range), range: keyword.range.union(pathToken.range))
    }

    mutating func parseAssert() throws -> Stmt {
        let keyword = advance()
        let condition = try parseExpression()
        var message: Expr?
        if check(.comma) { advance() }
        if !isAtStatementEnd { message = try parseExpression() }
        return Stmt(.assertion(condition, message: message), range: keyword.range.union(previousRange))
    }

    mutating func parsePrint() throws -> Stmt {
        let keyword = advance()
        var values: [Expr] = []
        if !isAtStatementEnd {
            values.append(try parseExpression())
            while check(.comma) {
                advance()
                values.append(try parseExpression())
            }
        }
        return Stmt(.print(values), range: keyword.range.union(previousRange))
    }

    mutating func parseReturn() throws -> Stmt {
        let keyword = advance()
        let value = isAtStatementEnd ? nil : try parseExpression()
        return Stmt(.returnValue(value), range: keyword.range.union(previousRange))
    }

    /// `VERB arg* key=value*`. Arguments end at the end of the statement, '}' or ')'.
    mutating func parseCommand() throws -> Command {
        let verb = try expectIdentifier("as a verb")
        var arguments: [Expr] = []
        var options: [OptionArgument] = []
        while !isAtStatementEnd && !check(.rightParen) {
            if case .identifier(let name) = current.kind, case .symbol(.assign) = peek(1).kind {
                let nameToken = advance()
                advance()
                let value = try parseExpression()
                options.append(OptionArgument(name: Identifier(name: name, range: nameToken.range), value: value))
            } else {
                arguments.append(try parseExpression())
            }
        }
        return Command(verb: verb, arguments: arguments, options: options, range: verb.range.union(previousRange))
    }
}

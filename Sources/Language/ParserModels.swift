/// Model definitions (ModelDefinition.swift). `model` is not a reserved word, so `show model`
/// keeps working: only a statement that starts with `model NAME` defines a model.
extension Parser {
    var isModelHeader: Bool {
        if case .identifier = peek(1).kind { return true }
        return false
    }

    /// `model NAME [(params)] [name=value]* { layer statements }`
    mutating func parseModel() throws -> Stmt {
        let keyword = advance()
        let name = try expectIdentifier("after 'model'")
        var parameters: [Parameter] = []
        var options: [OptionArgument] = []
        var malformed = false
        do {
            if check(.leftParen) {
                advance()
                parameters = try parseParameterList()
            }
            while !check(.leftBrace) {
                guard case .identifier(let optionName) = current.kind, case .symbol(.assign) = peek(1).kind else {
                    throw fail(.expectedToken, "expected '{' to start the model's layers, found \(current.display)",
                               at: current.range, help: "write: model \(name.name)(width=16) input=[1, 28, 28] { ... }")
                }
                let nameToken = advance()
                advance()
                let value = try parseExpression()
                options.append(OptionArgument(name: Identifier(name: optionName, range: nameToken.range), value: value))
            }
        } catch is Abandon {
            malformed = true
            while !isAtEnd, !check(.leftBrace), current.kind != .endOfStatement { advance() }
            guard check(.leftBrace) else { throw Abandon() }
        }
        let body = try parseLayerBlock()
        let decl = ModelDecl(name: name, parameters: parameters, options: options, body: body,
                             isMalformed: malformed, range: keyword.range.union(previousRange))
        return Stmt(.model(decl), range: keyword.range.union(name.range))
    }

    /// `{ layer statement* }`, recovering like `parseBlock`.
    mutating func parseLayerBlock() throws -> [LayerStmt] {
        let open = try expect(.leftBrace, "to start the layers")
        try enter(open.range)
        defer { depth -= 1 }
        var statements: [LayerStmt] = []
        while true {
            skipSeparators()
            if case .symbol(.rightBrace) = current.kind { advance(); break }
            if isAtEnd {
                report(.expectedToken, "expected '}' to close the layers", at: current.range,
                       notes: [DiagnosticNote("opened here", range: open.range)])
                break
            }
            do {
                let statement = try parseLayerStatement()
                switch current.kind {
                case .endOfStatement, .endOfFile, .symbol(.rightBrace): break
                default:
                    _ = fail(.expectedEndOfStatement, "expected the end of the layer, found \(current.display)",
                             at: current.range, help: "start a new line or separate layers with ';'")
                    skipToStatementEnd()
                }
                statements.append(statement)
            } catch is Abandon {
                synchronize()
            }
        }
        return statements
    }

    mutating func parseLayerStatement() throws -> LayerStmt {
        let token = current
        switch token.kind {
        case .keyword(.let):
            let keyword = advance()
            let name = try expectIdentifier("after 'let'")
            try expect(.assign, "after the name in 'let \(name.name)'")
            let value = try parseExpression()
            return LayerStmt(.letBinding(name, value), head: Identifier(name: "let", range: keyword.range),
                             range: keyword.range.union(value.range))
        case .identifier("repeat") where !isOption(at: 1):
            let head = advance()
            let count = try recoveringHeader { try $0.parseExpression() }
            let body = try parseLayerBlock()
            return LayerStmt(.repeatBlock(count: count, body: body), head: Identifier(name: "repeat", range: head.range),
                             range: head.range.union(previousRange))
        case .identifier("residual"):
            let head = advance()
            var options: [OptionArgument] = []
            while !check(.leftBrace) {
                guard case .identifier(let optionName) = current.kind, case .symbol(.assign) = peek(1).kind else {
                    throw fail(.expectedToken, "expected '{' after 'residual', found \(current.display)", at: current.range,
                               help: "write: residual { conv 16 3 pad=1; bn } or residual shortcut=conv { ... }")
                }
                let nameToken = advance()
                advance()
                options.append(OptionArgument(name: Identifier(name: optionName, range: nameToken.range),
                                              value: try parseExpression()))
            }
            let body = try parseLayerBlock()
            return LayerStmt(.residual(options: options, body: body), head: Identifier(name: "residual", range: head.range),
                             range: head.range.union(previousRange))
        case .identifier:
            let command = try parseCommand()
            return LayerStmt(.layer(command), head: command.verb, range: command.range)
        case .invalid:
            throw Abandon()
        default:
            throw fail(.expectedStatement, "expected a layer, found \(token.display)", at: token.range,
                       help: "a model's body holds layers (conv, dense, bn, relu, ...), uses of other models, 'let', 'repeat N { }' and 'residual { }'")
        }
    }

    private func isOption(at offset: Int) -> Bool {
        if case .symbol(.assign) = peek(offset).kind { return true }
        return false
    }
}

import Language

/// A compact S-expression view of syntax trees, so parser tests can pin whole trees.
enum SyntaxDump {
    static func parse(_ text: String) -> (String, [Diagnostic]) {
        let (program, diagnostics) = Parser.parse(SourceFile(name: "t.prn", text: text))
        return (program.statements.map(statement).joined(separator: "\n"), diagnostics)
    }

    static func statement(_ stmt: Stmt) -> String {
        switch stmt.kind {
        case .command(let c): return command(c)
        case .letBinding(let name, let value): return "(let \(name.name) \(expr(value)))"
        case .forLoop(let v, let seq, let body): return "(for \(v.name) \(expr(seq)) \(block(body)))"
        case .ifElse(let branches, let elseBody):
            var parts = branches.map { "\(expr($0.condition)) \(block($0.body))" }
            if let elseBody { parts.append("else \(block(elseBody))") }
            return "(if " + parts.joined(separator: " ") + ")"
        case .procedure(let decl):
            let params = decl.parameters.map { p in p.defaultValue.map { "\(p.name.name)=\(expr($0))" } ?? p.name.name }
            return "(def \(decl.name.name) (\(params.joined(separator: " "))) \(block(decl.body)))"
        case .model(let decl):
            let params = decl.parameters.map { p in p.defaultValue.map { "\(p.name.name)=\(expr($0))" } ?? p.name.name }
            let options = decl.options.map { " \($0.name.name)=\(expr($0.value))" }.joined()
            return "(model \(decl.name.name) (\(params.joined(separator: " ")))\(options) \(layers(decl.body)))"
        case .importFile(let path, _): return "(import \"\(path)\")"
        case .assertion(let c, let m): return "(assert \(expr(c))" + (m.map { " " + expr($0) } ?? "") + ")"
        case .print(let values): return "(print" + values.map { " " + expr($0) }.joined() + ")"
        case .returnValue(let v): return "(return" + (v.map { " " + expr($0) } ?? "") + ")"
        }
    }

    static func layers(_ body: [LayerStmt]) -> String {
        "{" + body.map { statement -> String in
            switch statement.kind {
            case .layer(let c): return command(c)
            case .letBinding(let name, let value): return "(let \(name.name) \(expr(value)))"
            case .repeatBlock(let count, let inner): return "(repeat \(expr(count)) \(layers(inner)))"
            case .residual(let options, let inner):
                return "(residual" + options.map { " \($0.name.name)=\(expr($0.value))" }.joined() + " \(layers(inner)))"
            }
        }.joined(separator: " ") + "}"
    }

    static func block(_ body: [Stmt]) -> String { "{" + body.map(statement).joined(separator: " ") + "}" }

    static func command(_ c: Command) -> String {
        let args = c.arguments.map { " " + expr($0) }.joined()
        let options = c.options.map { " \($0.name.name)=\(expr($0.value))" }.joined()
        return "(\(c.verb.name)\(args)\(options))"
    }

    static func expr(_ e: Expr) -> String {
        switch e.kind {
        case .number(let v): return formatNumber(v)
        case .string(let s): return "\"\(s)\""
        case .bool(let b): return b ? "true" : "false"
        case .name(let n): return n
        case .list(let items): return "[" + items.map(expr).joined(separator: " ") + "]"
        case .field(let base, let f): return "(. \(expr(base)) \(f.name))"
        case .unary(let op, let operand): return "(\(op.rawValue) \(expr(operand)))"
        case .binary(let op, let l, let r): return "(\(op.rawValue) \(expr(l)) \(expr(r)))"
        case .command(let c): return "(cmd " + command(c).dropFirst()
        case .invalid: return "<invalid>"
        }
    }
}

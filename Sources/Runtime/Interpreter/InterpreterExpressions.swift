import Language

/// Evaluation of expressions.
extension Interpreter {
    func evaluate(_ expr: Expr, in scope: Scope) throws -> Value {
        switch expr.kind {
        case .number(let v): return .number(v)
        case .string(let s): return .string(s)
        case .bool(let b): return .bool(b)
        case .invalid:
            throw failure(.expectedExpression, "this expression did not parse", expr.range)
        case .name(let name):
            return try variable(name, range: expr.range, in: scope)
        case .list(let elements):
            let list = ValueList(try elements.map { try evaluate($0, in: scope) })
            try checkList(depth: list.depth, size: list.size, at: expr.range)
            return .list(list)
        case .field(let base, let field):
            let value = try evaluate(base, in: scope)
            guard case .record(let record) = value else {
                throw failure(.runtimeType, "only records have fields; found \(value.kindName)", base.range)
            }
            guard let fieldValue = record[field.name] else {
                throw failure(.unknownField, "the record has no field '\(field.name)'", field.range,
                              help: Suggestions.help(for: field.name, among: record.names)
                                ?? "fields: " + record.names.joined(separator: ", "))
            }
            return fieldValue
        case .unary(let op, let operand):
            let value = try evaluate(operand, in: scope)
            switch (op, value) {
            case (.negate, .number(let v)): return .number(-v)
            case (.not, .bool(let b)): return .bool(!b)
            default:
                let wanted = op == .negate ? "a number" : "true or false"
                throw failure(.runtimeType, "'\(op.rawValue)' needs \(wanted), found \(value.kindName)", operand.range)
            }
        case .binary(let op, let left, let right):
            return try binary(op, left, right, range: expr.range, in: scope)
        case .command(let command):
            if command.arguments.isEmpty, command.options.isEmpty,
               registry.table[command.verb.name] == nil, procedures[command.verb.name] == nil,
               let value = scope.lookup(command.verb.name) {
                return value
            }
            return try call(command, in: scope)
        }
    }

    func variable(_ name: String, range: SourceRange, in scope: Scope) throws -> Value {
        if let value = scope.lookup(name) { return value }
        throw failure(.undefinedName, "undefined name '\(name)'", range,
                      help: Suggestions.help(for: name, among: scope.names))
    }

    private func binary(_ op: BinaryOperator, _ leftExpr: Expr, _ rightExpr: Expr, range: SourceRange,
                        in scope: Scope) throws -> Value {
        let left = try evaluate(leftExpr, in: scope)
        // `and` / `or` short-circuit.
        if op == .and || op == .or {
            guard case .bool(let l) = left else {
                throw failure(.runtimeType, "'\(op.rawValue)' needs true or false, found \(left.kindName)", leftExpr.range)
            }
            if op == .and && !l { return .bool(false) }
            if op == .or && l { return .bool(true) }
            let right = try evaluate(rightExpr, in: scope)
            guard case .bool(let r) = right else {
                throw failure(.runtimeType, "'\(op.rawValue)' needs true or false, found \(right.kindName)", rightExpr.range)
            }
            return .bool(r)
        }
        let right = try evaluate(rightExpr, in: scope)
        func mismatch(_ wanted: String) -> RuntimeFailure {
            failure(.runtimeType, "'\(op.rawValue)' needs \(wanted), found \(left.kindName) and \(right.kindName)", range)
        }
        switch op {
        case .equal: return .bool(left.languageEquals(right))
        case .notEqual: return .bool(!left.languageEquals(right))
        case .add:
            switch (left, right) {
            case (.number(let a), .number(let b)): return .number(a + b)
            case (.string(let a), .string(let b)):
                try checkString(bytes: a.utf8.count + b.utf8.count, at: range)
                return .string(a + b)
            case (.list(let a), .list(let b)):
                try checkList(depth: max(a.depth, b.depth), size: Value.saturatingAdd(a.size, b.size) - 1, at: range)
                return .list(ValueList(a.items + b.items))
            default: throw mismatch("two numbers, two strings or two lists")
            }
        case .subtract, .multiply, .divide:
            guard case .number(let a) = left, case .number(let b) = right else { throw mismatch("two numbers") }
            switch op {
            case .subtract: return .number(a - b)
            case .multiply: return .number(a * b)
            default:
                guard b != 0 else { throw failure(.divisionByZero, "division by zero", rightExpr.range) }
                return .number(a / b)
            }
        case .less, .lessEqual, .greater, .greaterEqual:
            let order: Int
            switch (left, right) {
            case (.number(let a), .number(let b)): order = a < b ? -1 : (a > b ? 1 : 0)
            case (.string(let a), .string(let b)): order = a < b ? -1 : (a > b ? 1 : 0)
            default: throw mismatch("two numbers or two strings")
            }
            switch op {
            case .less: return .bool(order < 0)
            case .lessEqual: return .bool(order <= 0)
            case .greater: return .bool(order > 0)
            default: return .bool(order >= 0)
            }
        case .and, .or:
            return .none  // handled above
        }
    }
}

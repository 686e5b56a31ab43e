/// Static typing of expressions: finds undefined names, unknown record fields and operators
/// applied to values of the wrong kind. Returns `.unknown` after reporting, so containing
/// expressions stay quiet.
extension Checker {
    func typeOf(_ expr: Expr) -> StaticType {
        switch expr.kind {
        case .number: return .number
        case .string: return .string
        case .bool: return .bool
        case .invalid: return .unknown
        case .name(let name):
            return typeOfName(name, range: expr.range)
        case .list(let elements):
            for element in elements { _ = typeOf(element) }
            return .list
        case .field(let base, let field):
            return typeOfField(base: base, field: field)
        case .unary(let op, let operand):
            let type = typeOf(operand)
            let wanted: StaticType = op == .negate ? .number : .bool
            if type != wanted, type != .unknown {
                error(.typeMismatch, "'\(op.rawValue)' needs \(wanted.display), found \(type.display)", operand.range)
                return .unknown
            }
            return wanted
        case .binary(let op, let left, let right):
            return typeOfBinary(op, left, right, range: expr.range)
        case .command(let command):
            return checkCommand(command, asValue: true)
        }
    }

    func typeOfName(_ name: String, range: SourceRange) -> StaticType {
        if let type = lookup(name) { return type }
        reportUndefined(name, range: range)
        return .unknown
    }

    func reportUndefined(_ name: String, range: SourceRange) {
        var notes: [DiagnosticNote] = []
        var help = Suggestions.help(for: name, among: visibleNames)
        if verbs[name] != nil || procedures[name] != nil {
            help = "'\(name)' is a command; to use its result write (\(name))"
        } else if let later = laterDefinitions[name], later.start.offset > range.start.offset {
            notes.append(DiagnosticNote("'\(name)' is defined later", range: later))
            help = help ?? "move the definition above its first use"
        }
        error(.undefinedName, "undefined name '\(name)'", range, notes: notes, help: help)
    }

    func typeOfField(base: Expr, field: Identifier) -> StaticType {
        let baseType = typeOf(base)
        switch baseType {
        case .unknown:
            return .unknown
        case .record(let verb):
            if let verb, let signature = verbs[verb], !signature.resultFields.isEmpty {
                let names = signature.resultFields.map(\.name)
                if !names.contains(field.name) {
                    error(.unknownField, "the result of '\(verb)' has no field '\(field.name)'", field.range,
                          help: Suggestions.help(for: field.name, among: names)
                            ?? "fields: " + names.joined(separator: ", "))
                }
            }
            return .unknown
        default:
            error(.typeMismatch, "only records have fields; found \(baseType.display)", base.range)
            return .unknown
        }
    }

    func typeOfBinary(_ op: BinaryOperator, _ left: Expr, _ right: Expr, range: SourceRange) -> StaticType {
        let l = typeOf(left)
        let r = typeOf(right)
        func mismatch(_ wanted: String) -> StaticType {
            error(.typeMismatch, "'\(op.rawValue)' needs \(wanted), found \(l.display) and \(r.display)", range)
            return .unknown
        }
        let known = l != .unknown && r != .unknown
        switch op {
        case .add:
            if l == .unknown || r == .unknown { return l == r ? l : .unknown }
            if l == r, [.number, .string, .list].contains(l) { return l }
            return mismatch("two numbers, two strings or two lists")
        case .subtract, .multiply, .divide:
            if known, l != .number || r != .number { return mismatch("two numbers") }
            if op == .divide, case .number(let divisor) = right.kind, divisor == 0 {
                error(.divisionByZero, "division by zero", right.range)
                return .unknown
            }
            return .number
        case .less, .lessEqual, .greater, .greaterEqual:
            if known, !(l == r && (l == .number || l == .string)) { return mismatch("two numbers or two strings") }
            return .bool
        case .equal, .notEqual:
            return .bool
        case .and, .or:
            if (l != .bool && l != .unknown) || (r != .bool && r != .unknown) { return mismatch("true or false") }
            return .bool
        }
    }
}

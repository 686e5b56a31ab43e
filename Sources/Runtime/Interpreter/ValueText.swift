import Language

/// How values are written out, with an explicit stack so nesting depth never matters.
extension Value {
    /// The value as it would be written back in a script (strings quoted).
    public var literal: String {
        enum Piece {
            case value(Value)
            case text(String)
        }
        var out = ""
        var pending: [Piece] = [.value(self)]
        while let piece = pending.popLast() {
            switch piece {
            case .text(let text):
                out += text
            case .value(let value):
                switch value {
                case .list(let items):
                    out += "["
                    pending.append(.text("]"))
                    for (index, item) in items.enumerated().reversed() {
                        pending.append(.value(item))
                        if index > 0 { pending.append(.text(", ")) }
                    }
                case .record(let record):
                    out += "{"
                    pending.append(.text("}"))
                    for (index, field) in record.fields.enumerated().reversed() {
                        pending.append(.value(field.value))
                        pending.append(.text((index > 0 ? ", " : "") + field.name + ": "))
                    }
                default:
                    out += value.scalarLiteral
                }
            }
        }
        return out
    }

    /// Literal text of a value that holds no other values.
    private var scalarLiteral: String {
        switch self {
        case .number(let v): return formatNumber(v)
        case .string(let s):
            var escaped = ""
            for character in s {
                switch character {
                case "\\": escaped += "\\\\"
                case "\"": escaped += "\\\""
                case "\n": escaped += "\\n"
                default: escaped.append(character)
                }
            }
            return "\"\(escaped)\""
        case .bool(let b): return b ? "true" : "false"
        case .word(let w): return w
        case .none: return "none"
        case .list, .record: return ""
        }
    }
}

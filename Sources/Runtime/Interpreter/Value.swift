import Language

/// A record with fields in a fixed order (a verb's result: accuracy, loss, params, ...).
public struct Record: Sendable, Equatable {
    public private(set) var names: [String]
    public private(set) var values: [Value]

    public init(_ fields: [(String, Value)] = []) {
        names = fields.map(\.0)
        values = fields.map(\.1)
    }

    public subscript(name: String) -> Value? {
        get { names.firstIndex(of: name).map { values[$0] } }
        set {
            if let index = names.firstIndex(of: name) {
                if let newValue { values[index] = newValue } else {
                    names.remove(at: index)
                    values.remove(at: index)
                }
            } else if let newValue {
                names.append(name)
                values.append(newValue)
            }
        }
    }

    public var fields: [(name: String, value: Value)] { Array(zip(names, values)) }
}

/// A runtime value. Printing, comparing and freeing walk nested lists with explicit stacks, not
/// recursion, so no value can exhaust the stack (ValueText, ValueEquality, ValueList).
public enum Value: Sendable, Equatable {
    case number(Double)
    case string(String)
    case bool(Bool)
    case list(ValueList)
    case record(Record)
    /// A bare word such as `global` or `mipp`.
    case word(String)
    case none

    /// How `print` shows the value.
    public var display: String {
        switch self {
        case .string(let s): return s
        default: return literal
        }
    }

    /// "a number", "a string", ... for error messages.
    public var kindName: String {
        switch self {
        case .number: return "a number"
        case .string: return "a string"
        case .bool: return "true or false"
        case .list: return "a list"
        case .record: return "a record"
        case .word: return "a word"
        case .none: return "nothing"
        }
    }

    /// The view the shared type rules in Language work on.
    public var checked: CheckedValue {
        switch self {
        case .number(let v): return .number(v)
        case .string(let s): return .string(s)
        case .bool(let b): return .bool(b)
        case .word(let w): return .word(w)
        case .list(let items): return .list(items.map(\.checked))
        case .record: return .other("a record")
        case .none: return .other("nothing")
        }
    }

    public init(_ constant: DefaultValue) {
        switch constant {
        case .number(let v): self = .number(v)
        case .string(let s): self = .string(s)
        case .bool(let b): self = .bool(b)
        case .word(let w): self = .word(w)
        case .list(let items): self = .list(ValueList(items.map(Value.init)))
        }
    }

    public var number: Double? { if case .number(let v) = self { return v } else { return nil } }
    /// The text of a word or string.
    public var text: String? {
        switch self {
        case .word(let w): return w
        case .string(let s): return s
        default: return nil
        }
    }
}

extension Value {
    /// Declared static type, for handing runtime variables to the checker (REPL, `--set`).
    public var staticType: StaticType {
        switch self {
        case .number: return .number
        case .string: return .string
        case .bool: return .bool
        case .list: return .list
        case .record: return .record(verb: nil)
        case .word: return .word
        case .none: return .none
        }
    }
}

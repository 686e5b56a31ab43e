/// The types verb arguments and options accept. The checker tests constants against them
/// before a run; the interpreter tests evaluated values against the same rules.

/// One end of a numeric range.
public struct Bound: Sendable, Hashable {
    public var value: Double
    public var inclusive: Bool

    public init(_ value: Double, inclusive: Bool = true) {
        self.value = value
        self.inclusive = inclusive
    }
}

/// A word a choice accepts, with the line of help shown by `:help` and completion.
public struct Choice: Sendable, Hashable {
    public var word: String
    public var help: String

    public init(_ word: String, _ help: String = "") {
        self.word = word
        self.help = help
    }
}

public indirect enum ValueType: Sendable, Hashable {
    case number(min: Bound?, max: Bound?)
    case integer(min: Int?, max: Int?)
    /// A value in [0, 1]; each end may be open: `prune` takes a fraction in (0, 1).
    case fraction(lowerOpen: Bool, upperOpen: Bool)
    case bool
    case string
    /// A file or folder path, written as a string.
    case path
    /// Any bare word, e.g. a checkpoint name.
    case word
    /// One of a fixed set of words (methods, scopes, models).
    case choice([Choice])
    case list(ValueType)
    /// Any of the alternatives, e.g. a fraction or the word `auto`.
    case oneOf([ValueType])

    public static let anyNumber = ValueType.number(min: nil, max: nil)

    /// "a fraction in (0, 1)", "an integer >= 1", "one of global, local, uniform".
    public var description: String {
        switch self {
        case .number(let low, let high):
            return "a number" + Self.rangeText(low, high)
        case .integer(let low, let high):
            return "an integer" + Self.rangeText(low.map { Bound(Double($0)) }, high.map { Bound(Double($0)) })
        case .fraction(let lowerOpen, let upperOpen):
            return "a fraction in \(lowerOpen ? "(" : "[")0, 1\(upperOpen ? ")" : "]")"
        case .bool: return "true or false"
        case .string: return "a string"
        case .path: return "a path in quotes"
        case .word: return "a name"
        case .choice(let choices): return "one of " + choices.map(\.word).joined(separator: ", ")
        case .list(let element): return "a list of \(element.shortName)"
        case .oneOf(let types): return types.map(\.description).joined(separator: " or ")
        }
    }

    /// Short name used in help synopses: `fraction`, `int`, `global|local|uniform`.
    public var shortName: String {
        switch self {
        case .number: return "number"
        case .integer: return "int"
        case .fraction: return "fraction"
        case .bool: return "bool"
        case .string: return "string"
        case .path: return "path"
        case .word: return "name"
        case .choice(let choices): return choices.map(\.word).joined(separator: "|")
        case .list(let element): return "[\(element.shortName)]"
        case .oneOf(let types): return types.map(\.shortName).joined(separator: "|")
        }
    }

    /// Every choice word this type accepts (for completion and suggestions).
    public var choiceWords: [String] {
        switch self {
        case .choice(let choices): return choices.map(\.word)
        case .oneOf(let types): return types.flatMap(\.choiceWords)
        default: return []
        }
    }

    /// Whether a bare name in this position reads as the word itself rather than a variable:
    /// true for listed choices and for free-word types.
    public func readsAsWord(_ name: String) -> Bool {
        switch self {
        case .word: return true
        case .choice(let choices): return choices.contains { $0.word == name }
        case .oneOf(let types): return types.contains { $0.readsAsWord(name) }
        default: return false
        }
    }

    /// Whether any word could be valid here (so an unknown bare name is a bad word, not a bad variable).
    public var acceptsWords: Bool {
        switch self {
        case .word, .choice: return true
        case .oneOf(let types): return types.contains { $0.acceptsWords }
        default: return false
        }
    }

    private static func rangeText(_ low: Bound?, _ high: Bound?) -> String {
        func show(_ v: Double) -> String { formatNumber(v) }
        switch (low, high) {
        case (nil, nil): return ""
        case (let l?, nil): return " \(l.inclusive ? ">=" : ">") \(show(l.value))"
        case (nil, let h?): return " \(h.inclusive ? "<=" : "<") \(show(h.value))"
        case (let l?, let h?):
            return " in \(l.inclusive ? "[" : "(")\(show(l.value)), \(show(h.value))\(h.inclusive ? "]" : ")")"
        }
    }
}

/// Prints integral values without a fraction (`3`, not `3.0`).
public func formatNumber(_ value: Double) -> String {
    if value.isFinite, value == value.rounded(), abs(value) < 1e15 {
        return String(Int64(value))
    }
    return String(value)
}

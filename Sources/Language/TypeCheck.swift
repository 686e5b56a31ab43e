/// Tests a value against a `ValueType`. Shared by the checker (for constants) and the
/// interpreter (for evaluated values), so both give the same message.

/// A value as far as type checks care; the runtime maps its own values onto this.
public indirect enum CheckedValue: Sendable, Hashable {
    case number(Double)
    case string(String)
    case bool(Bool)
    case word(String)
    case list([CheckedValue])
    /// A value of another kind, described for the message ("a record").
    case other(String)
}

public enum TypeProblem: Sendable, Hashable {
    case wrongType(expected: String, found: String)
    case outOfRange(expected: String, found: String)
    case unknownWord(String, allowed: [String])

    /// The message after "'epochs' expects ...".
    public var message: String {
        switch self {
        case .wrongType(let expected, let found): return "expects \(expected), found \(found)"
        case .outOfRange(let expected, let found): return "must be \(expected), found \(found)"
        case .unknownWord(let word, let allowed):
            return "does not accept '\(word)' (allowed: \(allowed.joined(separator: ", ")))"
        }
    }
}

extension CheckedValue {
    /// The text of a word or a string (a string may name a listed word).
    public var wordOrString: String? {
        switch self {
        case .word(let w), .string(let w): return w
        default: return nil
        }
    }

    public var kindDescription: String {
        switch self {
        case .number(let v): return formatNumber(v)
        case .string(let s): return "the string \"\(s)\""
        case .bool(let b): return b ? "true" : "false"
        case .word(let w): return "the word '\(w)'"
        case .list: return "a list"
        case .other(let description): return description
        }
    }
}

extension ValueType {
    /// nil when the value fits; otherwise what is wrong with it.
    public func problem(with value: CheckedValue) -> TypeProblem? {
        switch (self, value) {
        case (.number(let low, let high), .number(let v)):
            return Self.inside(v, low, high) ? nil : .outOfRange(expected: description, found: formatNumber(v))
        case (.integer(let low, let high), .number(let v)):
            guard v == v.rounded() else { return .wrongType(expected: description, found: formatNumber(v)) }
            let fits = Self.inside(v, low.map { Bound(Double($0)) }, high.map { Bound(Double($0)) })
            return fits ? nil : .outOfRange(expected: description, found: formatNumber(v))
        case (.fraction(let lowerOpen, let upperOpen), .number(let v)):
            let fits = Self.inside(v, Bound(0, inclusive: !lowerOpen), Bound(1, inclusive: !upperOpen))
            return fits ? nil : .outOfRange(expected: description, found: formatNumber(v))
        case (.bool, .bool), (.string, .string), (.path, .string), (.word, .word):
            return nil
        case (.word, .string(let s)):
            return s.isEmpty ? .wrongType(expected: description, found: "an empty string") : nil
        case (.choice(let choices), .word(let w)), (.choice(let choices), .string(let w)):
            return choices.contains { $0.word == w } ? nil : .unknownWord(w, allowed: choices.map(\.word))
        case (.list(let element), .list(let items)):
            for item in items {
                if let problem = element.problem(with: item) { return problem }
            }
            return nil
        case (.oneOf(let types), _):
            var problems: [TypeProblem] = []
            for type in types {
                guard let problem = type.problem(with: value) else { return nil }
                problems.append(problem)
            }
            // Prefer the most specific complaint: a bad word or an out-of-range number.
            if case .word(let w) = value { return .unknownWord(w, allowed: choiceWords) }
            if let range = problems.first(where: { if case .outOfRange = $0 { return true } else { return false } }) {
                return range
            }
            return .wrongType(expected: description, found: value.kindDescription)
        default:
            return .wrongType(expected: description, found: value.kindDescription)
        }
    }

    private static func inside(_ v: Double, _ low: Bound?, _ high: Bound?) -> Bool {
        guard v.isFinite else { return false }
        if let low, low.inclusive ? v < low.value : v <= low.value { return false }
        if let high, high.inclusive ? v > high.value : v >= high.value { return false }
        return true
    }
}

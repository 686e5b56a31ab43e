/// Typed options of scoring methods and training penalties. Pruning cannot see the language, so
/// it declares options with these small types; Runtime converts them into the language's option
/// specs (the checker validates scripts against those), and the catalog hands each scorer a
/// validated `MethodOptionValues` it reads through the same declarations.

/// What values an option accepts.
public enum MethodOptionKind: Sendable, Hashable {
    case integer(ClosedRange<Int>)
    /// Inclusive ends; nil is unbounded.
    case number(min: Double?, max: Double?)
    case fraction(lowerOpen: Bool, upperOpen: Bool)
    case flag
    /// One of these words, each with a line of help.
    case words([MethodWord])
    /// A count of at least `atLeast`, or one word that stands for "everything" (`samples=all`).
    case count(atLeast: Int, all: MethodWord)

    /// Whether `value` is one this kind accepts.
    func accepts(_ value: MethodOptionValue) -> Bool {
        switch (self, value) {
        case (.integer(let range), .number(let v)): return v == v.rounded() && v >= Double(range.lowerBound) && v <= Double(range.upperBound)
        case (.number(let low, let high), .number(let v)): return v.isFinite && v >= (low ?? -.infinity) && v <= (high ?? .infinity)
        case (.fraction(let lowerOpen, let upperOpen), .number(let v)):
            return (lowerOpen ? v > 0 : v >= 0) && (upperOpen ? v < 1 : v <= 1)
        case (.flag, .flag): return true
        case (.words(let words), .word(let w)): return words.contains { $0.word == w }
        case (.count(let low, _), .number(let v)): return v == v.rounded() && v >= Double(low)
        case (.count(_, let all), .word(let w)): return w == all.word
        default: return false
        }
    }
}

/// A word a choice option accepts.
public struct MethodWord: Sendable, Hashable {
    public let word: String
    public let help: String
}

/// A value of a method option as a script wrote it.
public enum MethodOptionValue: Sendable, Hashable {
    case number(Double)
    case flag(Bool)
    case word(String)
}

/// The untyped face of a method option: what the language and the docs need.
public struct MethodOptionSpec: Sendable, Hashable {
    public let name: String
    public let kind: MethodOptionKind
    public let defaultValue: MethodOptionValue
    public let help: String
}

/// One option of a method, declared once with its type, range, default and help.
public struct MethodOption<T: Sendable>: Sendable {
    public let spec: MethodOptionSpec
    let typedDefault: T
    let decode: @Sendable (MethodOptionValue) -> T?

    init(_ name: String, _ kind: MethodOptionKind, default value: T, written: MethodOptionValue, help: String,
         decode: @escaping @Sendable (MethodOptionValue) -> T?) {
        spec = MethodOptionSpec(name: name, kind: kind, defaultValue: written, help: help)
        typedDefault = value
        self.decode = decode
    }
}

extension MethodOption where T == Int {
    public static func integer(_ name: String, _ range: ClosedRange<Int>, default value: Int, help: String) -> Self {
        Self(name, .integer(range), default: value, written: .number(Double(value)), help: help) {
            // Checked against the range before use; a value past 2^53 still must not trap here.
            if case .number(let v) = $0, v.isFinite, abs(v) <= Double(1 << 53) { return Int(v) } else { return nil }
        }
    }
}

extension MethodOption where T == Double {
    public static func number(_ name: String, min low: Double?, max high: Double? = nil, default value: Double,
                              help: String) -> Self {
        Self(name, .number(min: low, max: high), default: value, written: .number(value), help: help, decode: Self.number)
    }

    public static func fraction(_ name: String, lowerOpen: Bool, upperOpen: Bool, default value: Double, help: String) -> Self {
        Self(name, .fraction(lowerOpen: lowerOpen, upperOpen: upperOpen), default: value, written: .number(value),
             help: help, decode: Self.number)
    }

    @Sendable static func number(_ value: MethodOptionValue) -> Double? {
        if case .number(let v) = value { return v } else { return nil }
    }
}

extension MethodOption where T == Bool {
    public static func flag(_ name: String, default value: Bool, help: String) -> Self {
        Self(name, .flag, default: value, written: .flag(value), help: help) {
            if case .flag(let b) = $0 { return b } else { return nil }
        }
    }
}

extension MethodOption where T: RawRepresentable & CaseIterable, T.RawValue == String {
    /// One of the cases of a Swift enum, each described by `describe`.
    public static func choice(_ name: String, default value: T, help: String, describe: (T) -> String) -> Self {
        Self(name, .words(T.allCases.map { MethodWord(word: $0.rawValue, help: describe($0)) }), default: value, written: .word(value.rawValue),
             help: help) {
            if case .word(let w) = $0 { return T(rawValue: w) } else { return nil }
        }
    }
}

/// A method's option values, checked against its declarations when built: a scorer reads them
/// through its declarations and never validates again.
public struct MethodOptionValues: Sendable, Equatable {
    private var values: [String: MethodOptionValue]

    /// No options given: every read returns the declared default.
    public init() { values = [:] }

    /// Checks every given value against the method's declarations.
    public init(_ given: [String: MethodOptionValue], declared: [MethodOptionSpec], method: String) throws {
        for (name, value) in given.sorted(by: { $0.key < $1.key }) {
            guard let spec = declared.first(where: { $0.name == name }) else {
                let list = declared.isEmpty ? "no options" : declared.map(\.name).joined(separator: ", ")
                throw PruningError(.badOption, "\(method) has no option \(name); it takes \(list)")
            }
            guard spec.kind.accepts(value) else {
                throw PruningError(.badOption, "\(method): \(name)=\(value) is not a value \(name) accepts")
            }
        }
        values = given
    }

    /// Sets a value without checking it against any declaration: for Swift callers that build
    /// options directly (`ScoreOptions(samples:)`); scripts always go through the checked init.
    mutating func setUnchecked(_ name: String, _ value: MethodOptionValue) {
        values[name] = value
    }

    public subscript<T>(_ option: MethodOption<T>) -> T {
        values[option.spec.name].flatMap(option.decode) ?? option.typedDefault
    }
}

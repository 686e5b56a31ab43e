/// Typed declarations of verb arguments and options. A verb declares each of its parameters once
/// (name, type with range, default, help); its signature lists the declarations' specs, and its
/// run code reads the evaluated value back through the same declaration, so the default the
/// checker, `:help` and the docs show is the one the code uses.

/// An argument or option that always has a value when the verb runs: it has a default, or `T` is
/// an optional (absent means nil). Reading it never needs a fallback at the read site.
public struct VerbParameter<T: Sendable>: Sendable {
    public let name: String
    public let type: ValueType
    public let defaultValue: DefaultValue?
    public let help: String
    public let noun: String?
    /// State facts the verb provides when this option is given (`load ... data=mnist`).
    public let provides: [String]
    /// The declared default as a Swift value: what a read returns when the script left the
    /// parameter out (the interpreter fills in `defaultValue`, which encodes the same value).
    public let typedDefault: T
    let decode: @Sendable (CheckedValue) -> T?

    /// A parameter of any type: `decode` turns a value the type accepts into `T`.
    public init(_ name: String, _ type: ValueType, default typedDefault: T, written defaultValue: DefaultValue?,
                help: String, noun: String? = nil, provides: [String] = [],
                decode: @escaping @Sendable (CheckedValue) -> T?) {
        self.name = name
        self.type = type
        self.typedDefault = typedDefault
        self.defaultValue = defaultValue
        self.help = help
        self.noun = noun
        self.provides = provides
        self.decode = decode
    }

    /// The option as the verb table describes it.
    public var spec: OptionSpec {
        OptionSpec(name, type, default: defaultValue, help: help, provides: provides, noun: noun)
    }

    /// The parameter as a positional argument that may be left out.
    public var argument: ArgumentSpec {
        ArgumentSpec(name, type, default: defaultValue, optional: true, help: help, noun: noun)
    }

    /// The value of an evaluated argument or option; the declared default when absent.
    public func read(_ value: CheckedValue?) -> T { value.flatMap(decode) ?? typedDefault }
}

/// A positional argument the script must write (`score METHOD`, `save PATH`).
public struct RequiredArgument<T: Sendable>: Sendable {
    public let name: String
    public let type: ValueType
    public let help: String
    public let noun: String?
    let decode: @Sendable (CheckedValue) -> T?

    public init(_ name: String, _ type: ValueType, help: String, noun: String? = nil,
                decode: @escaping @Sendable (CheckedValue) -> T?) {
        self.name = name
        self.type = type
        self.help = help
        self.noun = noun
        self.decode = decode
    }

    public var argument: ArgumentSpec { ArgumentSpec(name, type, help: help, noun: noun) }

    /// nil only when the interpreter did not enforce the signature (a bug, reported by the caller).
    public func read(_ value: CheckedValue?) -> T? { value.flatMap(decode) }
}

/// Conversions shared by the declarations below.
enum ParameterDecoding {
    /// Integer options without an upper bound (subset=, min_keep=, ...) may be written as 1e300:
    /// such values saturate at 2^53 (more than any count prn deals with, and small enough that
    /// sums of them cannot overflow) instead of trapping in `Int(_:)`.
    @Sendable static func integer(_ value: CheckedValue) -> Int? {
        guard case .number(let v) = value, !v.isNaN else { return nil }
        let limit = Double(1 << 53)
        return Int(Swift.max(-limit, Swift.min(limit, v)))
    }

    @Sendable static func number(_ value: CheckedValue) -> Double? {
        if case .number(let v) = value { return v }
        return nil
    }

    @Sendable static func bool(_ value: CheckedValue) -> Bool? {
        if case .bool(let b) = value { return b }
        return nil
    }

    /// A word or a string: names, paths, choices.
    @Sendable static func text(_ value: CheckedValue) -> String? {
        switch value {
        case .word(let w), .string(let w): return w
        default: return nil
        }
    }

    static func range(_ range: ClosedRange<Int>) -> ValueType { .integer(min: range.lowerBound, max: range.upperBound) }
}

extension VerbParameter where T == Int {
    public static func integer(_ name: String, _ range: ClosedRange<Int>, default value: Int, help: String) -> Self {
        Self(name, ParameterDecoding.range(range), default: value, written: .number(Double(value)), help: help,
             decode: ParameterDecoding.integer)
    }

    public static func integer(_ name: String, atLeast low: Int, default value: Int, help: String) -> Self {
        Self(name, .integer(min: low, max: nil), default: value, written: .number(Double(value)), help: help,
             decode: ParameterDecoding.integer)
    }
}

extension VerbParameter where T == Int? {
    /// An integer the script may leave out; absent reads as nil (the help says what nil means).
    public static func integer(_ name: String, _ range: ClosedRange<Int>, help: String) -> Self {
        Self(name, ParameterDecoding.range(range), default: nil, written: nil, help: help, decode: ParameterDecoding.integer)
    }

    public static func integer(_ name: String, atLeast low: Int, help: String) -> Self {
        Self(name, .integer(min: low, max: nil), default: nil, written: nil, help: help, decode: ParameterDecoding.integer)
    }
}

extension VerbParameter where T == Double {
    public static func number(_ name: String, min low: Bound?, max high: Bound?, default value: Double, help: String) -> Self {
        Self(name, .number(min: low, max: high), default: value, written: .number(value), help: help,
             decode: ParameterDecoding.number)
    }
}

extension VerbParameter where T == Double? {
    public static func number(_ name: String, min low: Bound?, max high: Bound?, help: String) -> Self {
        Self(name, .number(min: low, max: high), default: nil, written: nil, help: help, decode: ParameterDecoding.number)
    }
}

extension VerbParameter where T == Bool {
    public static func flag(_ name: String, default value: Bool, help: String) -> Self {
        Self(name, .bool, default: value, written: .bool(value), help: help, decode: ParameterDecoding.bool)
    }
}

extension VerbParameter where T == Bool? {
    /// A flag the script may leave out; absent reads as nil (the help says what nil means).
    public static func flag(_ name: String, help: String) -> Self {
        Self(name, .bool, default: nil, written: nil, help: help, decode: ParameterDecoding.bool)
    }
}

extension VerbParameter where T == String? {
    /// A word, string or path the script may leave out.
    public static func text(_ name: String, _ type: ValueType, help: String, noun: String? = nil,
                            provides: [String] = []) -> Self {
        Self(name, type, default: nil, written: nil, help: help, noun: noun, provides: provides,
             decode: ParameterDecoding.text)
    }
}

extension VerbParameter where T: RawRepresentable & CaseIterable, T.RawValue == String {
    /// One of the cases of a Swift enum: the checker's choice list, completion and the docs
    /// derive from the cases and `describe`.
    public static func choice(_ name: String, default value: T, help: String = "", noun: String? = nil,
                              describe: (T) -> String = { _ in "" }) -> Self {
        Self(name, .choice(T.allCases.map { Choice($0.rawValue, describe($0)) }), default: value,
             written: .word(value.rawValue), help: help, noun: noun,
             decode: { ParameterDecoding.text($0).flatMap(T.init(rawValue:)) })
    }
}

extension VerbParameter {
    /// An optional choice of the cases of a Swift enum; absent reads as nil.
    public static func optionalChoice<E>(_ name: String, help: String, noun: String? = nil,
                                         describe: (E) -> String = { _ in "" }) -> Self
    where T == E?, E: RawRepresentable & CaseIterable & Sendable, E.RawValue == String {
        Self(name, .choice(E.allCases.map { Choice($0.rawValue, describe($0)) }), default: nil, written: nil,
             help: help, noun: noun, decode: { ParameterDecoding.text($0).flatMap(E.init(rawValue:)) })
    }
}

extension RequiredArgument where T == String {
    /// A word, string or path argument.
    public static func text(_ name: String, _ type: ValueType, help: String, noun: String? = nil) -> Self {
        Self(name, type, help: help, noun: noun, decode: ParameterDecoding.text)
    }
}

extension RequiredArgument where T == Int {
    public static func integer(_ name: String, _ range: ClosedRange<Int>, help: String) -> Self {
        Self(name, ParameterDecoding.range(range), help: help, decode: ParameterDecoding.integer)
    }
}

extension VerbParameter where T == Double? {
    /// A fraction the script may leave out; the ends are open or closed as written.
    public static func fraction(_ name: String, lowerOpen: Bool, upperOpen: Bool, help: String) -> Self {
        Self(name, .fraction(lowerOpen: lowerOpen, upperOpen: upperOpen), default: nil, written: nil, help: help,
             decode: ParameterDecoding.number)
    }
}

/// The table of verbs: the single description the checker, `:help`, completion and the
/// docs all read. Runtime fills it in; Language only reads it.

/// A constant default for an argument or option.
public indirect enum DefaultValue: Sendable, Hashable {
    case number(Double)
    case string(String)
    case bool(Bool)
    case word(String)
    case list([DefaultValue])

    public var display: String {
        switch self {
        case .number(let v): return formatNumber(v)
        case .string(let s): return "\"\(s)\""
        case .bool(let b): return b ? "true" : "false"
        case .word(let w): return w
        case .list(let items): return "[" + items.map(\.display).joined(separator: ", ") + "]"
        }
    }
}

/// A positional argument. Arguments with a default (or `optional`) may be left out.
public struct ArgumentSpec: Sendable, Hashable {
    public var name: String
    public var type: ValueType
    public var defaultValue: DefaultValue?
    public var isOptional: Bool
    public var help: String
    /// What a wrong word is called in messages: "unknown scoring method 'mip'".
    public var noun: String?

    public init(_ name: String, _ type: ValueType, default defaultValue: DefaultValue? = nil,
                optional: Bool = false, help: String = "", noun: String? = nil) {
        self.noun = noun
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.isOptional = optional || defaultValue != nil
        self.help = help
    }
}

/// A `name=value` option.
public struct OptionSpec: Sendable, Hashable {
    public var name: String
    public var type: ValueType
    public var defaultValue: DefaultValue?
    public var help: String
    /// State facts the verb provides when this option is given (`load ... data=mnist` provides "data").
    public var provides: [String]
    /// What a wrong word is called in messages: "unknown penalty 'l3'".
    public var noun: String?

    public init(_ name: String, _ type: ValueType, default defaultValue: DefaultValue? = nil,
                help: String = "", provides: [String] = [], noun: String? = nil) {
        self.noun = noun
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.help = help
        self.provides = provides
    }
}

/// A field of the record a verb returns (`eval` -> accuracy, loss, ...).
public struct ResultField: Sendable, Hashable {
    public var name: String
    public var help: String

    public init(_ name: String, _ help: String = "") {
        self.name = name
        self.help = help
    }
}

public struct VerbSignature: Sendable, Hashable {
    public var name: String
    public var summary: String
    public var arguments: [ArgumentSpec]
    public var options: [OptionSpec]
    public var resultFields: [ResultField]
    /// State facts that must hold before the verb runs ("model", "data", "scores").
    public var requires: [String]
    /// State facts that hold after it ran.
    public var provides: [String]
    /// The argument or option whose word chooses among `variants` (`method` of `score`).
    public var variantSelector: String?
    /// Options that depend on the selector's word (see OptionVariants.swift).
    public var variants: [OptionVariant]
    /// Properties of the state the verb sets, known to the checker when the command's words are constants.
    public var properties: [StateProperty]

    public init(_ name: String, summary: String, arguments: [ArgumentSpec] = [], options: [OptionSpec] = [],
                resultFields: [ResultField] = [], requires: [String] = [], provides: [String] = [],
                variantSelector: String? = nil, variants: [OptionVariant] = [], properties: [StateProperty] = []) {
        self.properties = properties
        self.variantSelector = variantSelector
        self.variants = variants
        self.name = name
        self.summary = summary
        self.arguments = arguments
        self.options = options
        self.resultFields = resultFields
        self.requires = requires
        self.provides = provides
    }

    public var requiredArgumentCount: Int { arguments.filter { !$0.isOptional }.count }

    /// Any option the verb takes under any variant.
    public func option(named name: String) -> OptionSpec? { allOptions.first { $0.name == name } }

    /// `prune AMOUNT [SCOPE] [min_keep=int] ...`
    public var synopsis: String {
        var parts = [name]
        for argument in arguments {
            let label = argument.name.uppercased()
            parts.append(argument.isOptional ? "[\(label)]" : label)
        }
        for option in options { parts.append("[\(option.name)=\(option.type.shortName)]") }
        if let selector = variantSelector, !variants.isEmpty { parts.append("[options of the \(selector)]") }
        return parts.joined(separator: " ")
    }

    /// The text `:help VERB` prints and the generated docs use.
    public func helpText() -> String {
        var lines = ["\(name) — \(summary)", "", "usage: \(synopsis)"]
        if !arguments.isEmpty {
            lines.append("")
            lines.append("arguments:")
            for argument in arguments {
                lines.append(contentsOf: describe(name: argument.name.uppercased(), type: argument.type,
                                                  defaultValue: argument.defaultValue, help: argument.help))
            }
        }
        if !options.isEmpty {
            lines.append("")
            lines.append("options:")
            for option in options {
                lines.append(contentsOf: describe(name: option.name, type: option.type,
                                                  defaultValue: option.defaultValue, help: option.help))
            }
        }
        for variant in variants where !variant.options.isEmpty {
            lines.append("")
            lines.append("options of \(variantSelector ?? "") \(variant.word):")
            for option in variant.options {
                lines.append(contentsOf: describe(name: option.name, type: option.type,
                                                  defaultValue: option.defaultValue, help: option.help))
            }
        }
        if !resultFields.isEmpty {
            lines.append("")
            lines.append("result fields: " + resultFields.map(\.name).joined(separator: ", "))
        }
        if !requires.isEmpty { lines.append("needs: " + requires.joined(separator: ", ")) }
        return lines.joined(separator: "\n") + "\n"
    }

    private func describe(name: String, type: ValueType, defaultValue: DefaultValue?, help: String) -> [String] {
        var line = "  \(name)  \(type.description)"
        if let defaultValue { line += " (default \(defaultValue.display))" }
        if !help.isEmpty { line += " — \(help)" }
        var lines = [line]
        let choices: [Choice]
        switch type {
        case .choice(let list): choices = list
        case .oneOf(let types): choices = types.flatMap { if case .choice(let c) = $0 { return c } else { return [] } }
        default: choices = []
        }
        for choice in choices where !choice.help.isEmpty {
            lines.append("      \(choice.word): \(choice.help)")
        }
        return lines
    }
}

/// Verb lookup by name.
public struct VerbTable: Sendable {
    private var verbs: [String: VerbSignature] = [:]
    private var order: [String] = []

    public init(_ signatures: [VerbSignature] = []) {
        for signature in signatures { register(signature) }
    }

    /// Adds or replaces a verb (replacing keeps its position).
    public mutating func register(_ signature: VerbSignature) {
        if verbs[signature.name] == nil { order.append(signature.name) }
        verbs[signature.name] = signature
    }

    public func signature(named name: String) -> VerbSignature? { verbs[name] }
    public subscript(name: String) -> VerbSignature? { verbs[name] }

    /// Names in registration order, for completion and docs.
    public var names: [String] { order }
    public var signatures: [VerbSignature] { order.compactMap { verbs[$0] } }
}

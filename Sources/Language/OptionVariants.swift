/// Options that depend on a word the command chooses: `score METHOD` (each method has its own
/// options and granularities), `train penalty=NAME` (lambda and shift per penalty). The checker
/// validates them when the word is a constant; the interpreter does the same with the evaluated
/// word, through the same functions, so both report the same message.

/// The options one word of a selector adds. An option named like a shared option of the verb
/// replaces it for this word: `score mipp` narrows `granularity` to neurons and channels, with
/// its own default.
public struct OptionVariant: Sendable, Hashable {
    public var word: String
    public var options: [OptionSpec]
    /// What this word needs of the state (`score receding` needs norm=sigmoid); see StateProperties.swift.
    public var needs: [StateNeed]

    public init(_ word: String, options: [OptionSpec], needs: [StateNeed] = []) {
        self.word = word
        self.options = options
        self.needs = needs
    }
}

/// How an option name resolves for a command.
public enum OptionResolution: Sendable, Hashable {
    case spec(OptionSpec)
    case unknown(message: String, help: String)
}

extension VerbSignature {
    /// The options valid when the selector is `word`; nil when the verb has no variant for it.
    public func options(forVariant word: String) -> [OptionSpec]? {
        guard let variant = variants.first(where: { $0.word == word }) else { return nil }
        return options.map { shared in variant.options.first { $0.name == shared.name } ?? shared }
            + variant.options.filter { own in !options.contains { $0.name == own.name } }
    }

    /// Every option any variant accepts (shared ones first), for completion and for commands
    /// whose selector is not a constant.
    public var allOptions: [OptionSpec] {
        var seen = Set(options.map(\.name))
        var all = options
        for variant in variants {
            for option in variant.options where seen.insert(option.name).inserted { all.append(option) }
        }
        return all
    }

    /// The spec of option `name` for a command whose selector word is `word` (nil: not known).
    public func resolveOption(_ name: String, variant word: String?) -> OptionResolution {
        if let word, let valid = options(forVariant: word) {
            if let spec = valid.first(where: { $0.name == name }) { return .spec(spec) }
            let names = valid.map(\.name)
            let list = "'\(self.name) \(word)' takes " + names.joined(separator: ", ")
            let help = Suggestions.help(for: name, among: names).map { "\($0) \(list)" } ?? list
            return .unknown(message: "'\(self.name) \(word)' has no option '\(name)'", help: help)
        }
        if let spec = allOptions.first(where: { $0.name == name }) { return .spec(spec) }
        let names = allOptions.map(\.name)
        let help = Suggestions.help(for: name, among: names)
            ?? (names.isEmpty ? "'\(self.name)' takes no options" : "options: " + names.joined(separator: ", "))
        return .unknown(message: "'\(self.name)' has no option '\(name)'", help: help)
    }

    /// When a variant narrows a shared choice (`granularity` for `score mipp`), a word the verb
    /// knows but the variant does not support gets its own message naming the supported words.
    public func narrowingProblem(_ spec: OptionSpec, variant word: String?, value: CheckedValue) -> (message: String, help: String)? {
        guard let word, let shared = options.first(where: { $0.name == spec.name }), shared != spec,
              shared.type.problem(with: value) == nil, spec.type.problem(with: value) != nil,
              let given = value.wordOrString else { return nil }
        let supported = spec.type.choiceWords
        return ("'\(name) \(word)' does not support \(spec.name) \(given)",
                "\(word) supports \(spec.name)=" + supported.joined(separator: " or ") +
                    (spec.defaultValue.map { " (default \($0.display))" } ?? ""))
    }
}

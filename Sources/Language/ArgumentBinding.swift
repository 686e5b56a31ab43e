/// How a command's arguments and options fill the parameters of its verb: which parameter each
/// written value fills, the type it is held to (a variant may narrow a shared option), and the
/// defaults that fill the rest. The checker binds each command with the selector word it can see
/// in the source and hands the binding on (`CheckedProgram.bindings`); the interpreter runs that
/// binding, and binds through this same function only a command whose selector word is computed.
/// It holds each evaluated value to its slot with `problem(_:_:at:)`. So a mistake gets one
/// message whether the checker finds it in a constant or the interpreter in a computed value.
public struct ArgumentBinding: Sendable {
    /// One parameter of the verb as this command fills it.
    public struct Slot: Sendable {
        public let name: String
        public let isArgument: Bool
        /// The type a written value is read with: a bare name this type lists is a word, not a variable.
        public let readType: ValueType
        /// The type the value is held to: narrower than `readType` when the variant narrows a shared option.
        public let type: ValueType
        public let noun: String?
        /// How messages name the parameter: "AMOUNT of 'prune'", "'epochs'".
        public let label: String
        /// The value the script wrote; nil when the parameter takes its default.
        public let written: Expr?
        public let defaultValue: DefaultValue?
        /// The option as the variant declares it (nil for positional arguments).
        let option: OptionSpec?

        /// A string naming one of the listed words is that word (`let m = "mipp"; score m`,
        /// `penalty=p`, `prune "auto"`), so verbs never meet the same choice in two forms. Where
        /// the type also takes free text (`data "mnist"` may be a folder's path) the string stays.
        public func readsAsWord(_ text: String) -> Bool {
            readType.readsAsWord(text) && !Self.takesFreeText(readType)
        }

        static func takesFreeText(_ type: ValueType) -> Bool {
            switch type {
            case .string, .path: return true
            case .oneOf(let types): return types.contains(where: takesFreeText)
            default: return false
            }
        }

        /// The word a written selector names when it is a constant (a listed bare word or a string).
        public var constantWord: String? {
            switch written?.kind {
            case .name(let n)? where readType.readsAsWord(n): return n
            case .string(let s)?: return s
            default: return nil
            }
        }
    }

    public let signature: VerbSignature
    /// The selector's word (`score METHOD`, `train penalty=NAME`); nil when not known.
    public let variant: String?
    /// Positional arguments in signature order, defaults included; an optional argument without a
    /// default that the script left out has no slot.
    public let arguments: [Slot]
    /// Options the script wrote (in its order), then the defaults of the ones it left out.
    public let options: [Slot]
    /// Arity and naming mistakes: too many or missing arguments, unknown or repeated options.
    public let problems: [Diagnostic]

    /// Binds `command` to `signature`. `selector` gives the word of the selector's slot when the
    /// script wrote it (nil: not known); a selector left out takes its default word.
    public static func bind(_ command: Command, to signature: VerbSignature,
                            selector: (Slot) throws -> String?) rethrows -> ArgumentBinding {
        let verb = signature.name
        var problems: [Diagnostic] = []
        if command.arguments.count > signature.arguments.count {
            let allowed = signature.arguments.map { $0.name.uppercased() }
            let list = allowed.isEmpty ? "no positional arguments" :
                "at most \(allowed.count) (\(allowed.joined(separator: ", ")))"
            problems.append(Diagnostic(code: .tooManyArguments, message: "'\(verb)' takes \(list)",
                                       range: command.arguments[signature.arguments.count].range,
                                       help: "usage: \(signature.synopsis)"))
        }
        var arguments: [Slot] = []
        var missingReported = false
        for (index, spec) in signature.arguments.enumerated() {
            let written = index < command.arguments.count ? command.arguments[index] : nil
            guard written != nil || spec.defaultValue != nil else {
                if !spec.isOptional && !missingReported {
                    missingReported = true
                    problems.append(Diagnostic(code: .missingArgument,
                                               message: "'\(verb)' needs \(spec.name.uppercased()) (\(spec.type.description))",
                                               range: command.verb.range, help: "usage: \(signature.synopsis)"))
                }
                continue
            }
            arguments.append(Slot(name: spec.name, isArgument: true, readType: spec.type, type: spec.type, noun: spec.noun,
                                  label: "\(spec.name.uppercased()) of '\(verb)'", written: written,
                                  defaultValue: spec.defaultValue, option: nil))
        }

        // The selector's word decides which options are valid and which defaults apply.
        var variant: String?
        if let name = signature.variantSelector {
            if let index = signature.arguments.firstIndex(where: { $0.name == name }) {
                if let slot = arguments.first(where: { $0.name == name }), slot.written != nil {
                    variant = try selector(slot)
                } else if case .word(let word)? = signature.arguments[index].defaultValue {
                    variant = word
                }
            } else if let spec = signature.options.first(where: { $0.name == name }) {
                if let option = command.options.first(where: { $0.name.name == name }) {
                    variant = try selector(optionSlot(spec, shared: spec, written: option.value))
                } else if case .word(let word)? = spec.defaultValue {
                    variant = word
                }
            }
        }

        var options: [Slot] = []
        var given: [String: SourceRange] = [:]
        for option in command.options {
            let name = option.name.name
            let spec: OptionSpec
            switch signature.resolveOption(name, variant: variant) {
            case .spec(let found): spec = found
            case .unknown(let message, let help):
                problems.append(Diagnostic(code: .unknownOption, message: message, range: option.name.range, help: help))
                continue
            }
            if let first = given[name] {
                problems.append(Diagnostic(code: .duplicateOption, message: "option '\(name)' is given twice",
                                           range: option.name.range, notes: [DiagnosticNote("first given here", range: first)]))
                continue
            }
            given[name] = option.name.range
            let shared = signature.options.first { $0.name == name } ?? spec
            options.append(optionSlot(spec, shared: shared, written: option.value))
        }
        for spec in variant.flatMap(signature.options(forVariant:)) ?? signature.options
        where given[spec.name] == nil && spec.defaultValue != nil {
            options.append(optionSlot(spec, shared: spec, written: nil))
        }
        return ArgumentBinding(signature: signature, variant: variant, arguments: arguments, options: options,
                               problems: problems)
    }

    private static func optionSlot(_ spec: OptionSpec, shared: OptionSpec, written: Expr?) -> Slot {
        Slot(name: spec.name, isArgument: false, readType: shared.type, type: spec.type, noun: spec.noun,
             label: "'\(spec.name)'", written: written, defaultValue: spec.defaultValue, option: spec)
    }

    /// What is wrong with `value` as the value of `slot` (nil: it fits), with the message both the
    /// checker (for constants) and the interpreter (for evaluated values) report.
    public func problem(_ slot: Slot, _ value: CheckedValue, at range: SourceRange) -> Diagnostic? {
        Self.problem(slot, value, at: range, signature: signature, variant: variant)
    }

    /// The same, before the binding exists: for the selector's own slot, which the variant cannot narrow.
    public static func problem(_ slot: Slot, _ value: CheckedValue, at range: SourceRange,
                               signature: VerbSignature, variant: String?) -> Diagnostic? {
        // A variant may narrow a shared choice: a word the verb knows but this variant does not
        // support gets a message naming the supported words.
        if let spec = slot.option, let narrowed = signature.narrowingProblem(spec, variant: variant, value: value) {
            return Diagnostic(code: .unknownWord, message: narrowed.message, range: range, help: narrowed.help)
        }
        guard let problem = slot.type.problem(with: value) else { return nil }
        switch problem {
        case .unknownWord(let word, let allowed):
            return Self.unknownWord(word, slot: slot, allowed: allowed, among: allowed, at: range)
        case .outOfRange:
            return Diagnostic(code: .outOfRange, message: "\(slot.label) \(problem.message)", range: range)
        case .wrongType:
            return Diagnostic(code: .typeMismatch, message: "\(slot.label) \(problem.message)", range: range)
        }
    }

    /// "unknown scoring method 'mip'" with a did-you-mean among `candidates`, else the allowed words.
    public static func unknownWord(_ word: String, slot: Slot, allowed: [String], among candidates: [String],
                                   at range: SourceRange) -> Diagnostic {
        let message = slot.noun.map { "unknown \($0) '\(word)'" } ?? "\(slot.label) does not accept '\(word)'"
        return Diagnostic(code: .unknownWord, message: message, range: range,
                          help: Suggestions.help(for: word, among: candidates)
                            ?? "choose one of: " + allowed.joined(separator: ", "))
    }
}

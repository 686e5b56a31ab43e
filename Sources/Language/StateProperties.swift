/// Properties of the session's state the checker can know from the source when the commands that
/// set them are constants: the normalisation of the model `load vgg-small norm=sigmoid` builds.
/// A variant that needs a property (`score receding` needs norm=sigmoid) is then a check error
/// before anything trains; when the property is not known (a model file, a name from a variable)
/// the verb reports the problem when it runs.

/// A property a verb sets: from a constant word of `argument` (looked up in `defaults`; a word not
/// listed, such as a path, leaves the property unknown), or from `option` when the command writes it.
public struct StateProperty: Sendable, Hashable {
    public var name: String
    /// The state fact the property belongs to: any other step providing it makes the property unknown.
    public var fact: String
    public var argument: String
    public var defaults: [String: String]
    public var option: String

    public init(_ name: String, of fact: String, argument: String, defaults: [String: String], option: String) {
        self.name = name
        self.fact = fact
        self.argument = argument
        self.defaults = defaults
        self.option = option
    }
}

/// What a variant needs of a property: `score receding` needs norm=sigmoid.
public struct StateNeed: Sendable, Hashable {
    public var property: String
    /// The values that work; the first is the one the fix suggests.
    public var values: [String]
    /// Why, after "'score receding' needs norm=sigmoid": "it reads the gates of sigmoid batch norms".
    public var reason: String

    public init(_ property: String, in values: [String], because reason: String) {
        self.property = property
        self.values = values
        self.reason = reason
    }
}

/// A property's value as the checker knows it, and the command that set it (for the fix).
public struct KnownProperty: Sendable, Hashable {
    public var value: String
    public var fact: String
    public var verb: String
    /// The constant word of the command's argument (`vgg-small`).
    public var word: String
    public var option: String
    public var setAt: SourceRange
}

extension ArgumentBinding {
    /// The value this command gives `property`, when its words are constants.
    func known(_ property: StateProperty, at range: SourceRange) -> KnownProperty? {
        guard let word = arguments.first(where: { $0.name == property.argument })?.constantWord,
              let base = property.defaults[word] else { return nil }
        var value = base
        if let slot = options.first(where: { $0.name == property.option }), slot.written != nil {
            guard let written = slot.constantWord else { return nil }
            value = written
        }
        return KnownProperty(value: value, fact: property.fact, verb: signature.name, word: word, option: property.option, setAt: range)
    }
}

extension Checker {
    /// Reports a variant's need the known state does not meet, then records what the command sets.
    func trackProperties(_ command: Command, _ binding: ArgumentBinding) {
        let signature = binding.signature
        // Inside a procedure the caller's state is unknown.
        guard locals == nil else { return }
        if let word = binding.variant, let variant = signature.variants.first(where: { $0.word == word }) {
            for need in variant.needs {
                guard let known = known[need.property], !need.values.contains(known.value),
                      let wanted = need.values.first else { continue }
                let selector = (binding.arguments + binding.options).first { $0.name == signature.variantSelector }
                let range = selector?.written?.range ?? command.verb.range
                error(.unmetNeed,
                      "'\(signature.name) \(word)' needs \(need.property)=\(wanted) (\(need.reason)), but the \(known.fact) from line \(known.setAt.start.line) has \(need.property)=\(known.value)",
                      range, notes: [DiagnosticNote("\(known.word) is loaded here", range: known.setAt)],
                      help: "load it with: \(known.verb) \(known.word) \(known.option)=\(wanted)")
            }
        }
        forgetProperties(providedBy: Set(signature.provides), except: signature.properties.map(\.name))
        for property in signature.properties {
            known[property.name] = binding.known(property, at: command.range)
        }
    }

    /// Properties of a fact another step may have set are no longer known.
    func forgetProperties(providedBy provided: Set<String>, except kept: [String] = []) {
        for (name, property) in known where provided.contains(property.fact) && !kept.contains(name) {
            known[name] = nil
        }
    }
}

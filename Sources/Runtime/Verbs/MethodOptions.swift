import Language
import Pruning

/// The bridge between the method catalog (Pruning's own option types) and the language: option
/// specs derived from the catalog's declarations, and the values a command gave handed back.
enum MethodOptions {
    static func spec(_ option: MethodOptionSpec) -> OptionSpec {
        OptionSpec(option.name, type(option.kind), default: written(option.defaultValue), help: option.help)
    }

    /// A method's need of the model as the checker reads it: values of `load`'s `norm` property.
    static func needs(_ need: ModelNeed?) -> [StateNeed] {
        guard let need else { return [] }
        return [StateNeed(LoadVerb.normProperty.name, in: need.norms.map(\.rawValue), because: need.reason)]
    }

    static func type(_ kind: MethodOptionKind) -> ValueType {
        switch kind {
        case .integer(let range): return .integer(min: range.lowerBound, max: range.upperBound)
        case .number(let low, let high): return .number(min: low.map { Bound($0) }, max: high.map { Bound($0) })
        case .fraction(let lowerOpen, let upperOpen): return .fraction(lowerOpen: lowerOpen, upperOpen: upperOpen)
        case .flag: return .bool
        case .words(let words): return .choice(words.map { Choice($0.word, $0.help) })
        case .count(let low, let all):
            return .oneOf([.integer(min: low, max: nil), .choice([Choice(all.word, all.help)])])
        }
    }

    static func written(_ value: MethodOptionValue) -> DefaultValue {
        switch value {
        case .number(let v): return .number(v)
        case .flag(let b): return .bool(b)
        case .word(let w): return .word(w)
        }
    }

    /// The values a command wrote for the declared options (defaults are the catalog's to apply).
    static func given(_ inv: VerbInvocation, declared: [MethodOptionSpec]) -> [String: MethodOptionValue] {
        var given: [String: MethodOptionValue] = [:]
        for option in declared where inv.givenOptions.contains(option.name) {
            switch inv.options[option.name] {
            case .number(let v)?: given[option.name] = .number(v)
            case .bool(let b)?: given[option.name] = .flag(b)
            case let value?: if let text = value.text { given[option.name] = .word(text) }
            case nil: break
            }
        }
        return given
    }
}

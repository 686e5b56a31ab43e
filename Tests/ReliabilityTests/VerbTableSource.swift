import Language

/// Renders a verb table as Swift source that rebuilds an equal table from Language's own
/// types. The fuzzer is compiled from Sources/Language alone (no Runtime, Engine or BLAS), so
/// it checks scripts against this static copy of the real table; a test keeps the copy current.
enum VerbTableSource {
    static let header = """
        // Generated from the runtime's verb table by VerbTableSourceTests
        // (PRN_REGENERATE=1 swift test --filter VerbTableSourceTests); do not edit by hand.

        """

    static func render(_ table: VerbTable, variable: String = "fuzzVerbTable") -> String {
        var out = header
        out += "let \(variable) = VerbTable([\n"
        for signature in table.signatures {
            out += "    " + verb(signature) + ",\n"
        }
        out += "])\n"
        return out
    }

    static func verb(_ s: VerbSignature) -> String {
        var parts = [literal(s.name), "summary: " + literal(s.summary)]
        if !s.arguments.isEmpty {
            parts.append("arguments: [\n" + s.arguments.map { "        " + argument($0) + ",\n" }.joined() + "    ]")
        }
        if !s.options.isEmpty {
            parts.append("options: [\n" + s.options.map { "        " + option($0) + ",\n" }.joined() + "    ]")
        }
        if !s.resultFields.isEmpty {
            parts.append("resultFields: [" + s.resultFields.map { "ResultField(\(literal($0.name)), \(literal($0.help)))" }
                .joined(separator: ", ") + "]")
        }
        if !s.requires.isEmpty { parts.append("requires: " + strings(s.requires)) }
        if !s.provides.isEmpty { parts.append("provides: " + strings(s.provides)) }
        if let selector = s.variantSelector { parts.append("variantSelector: " + literal(selector)) }
        if !s.variants.isEmpty {
            parts.append("variants: [\n" + s.variants.map { v in
                "        OptionVariant(\(literal(v.word)), options: [" + v.options.map(option).joined(separator: ", ") + "]),\n"
            }.joined() + "    ]")
        }
        return "VerbSignature(" + parts.joined(separator: ", ") + ")"
    }

    static func argument(_ a: ArgumentSpec) -> String {
        var parts = [literal(a.name), type(a.type)]
        if let d = a.defaultValue { parts.append("default: " + defaultValue(d)) }
        // `optional:` only matters when there is no default (a default implies optional).
        if a.isOptional && a.defaultValue == nil { parts.append("optional: true") }
        if !a.help.isEmpty { parts.append("help: " + literal(a.help)) }
        if let noun = a.noun { parts.append("noun: " + literal(noun)) }
        return "ArgumentSpec(" + parts.joined(separator: ", ") + ")"
    }

    static func option(_ o: OptionSpec) -> String {
        var parts = [literal(o.name), type(o.type)]
        if let d = o.defaultValue { parts.append("default: " + defaultValue(d)) }
        if !o.help.isEmpty { parts.append("help: " + literal(o.help)) }
        if !o.provides.isEmpty { parts.append("provides: " + strings(o.provides)) }
        if let noun = o.noun { parts.append("noun: " + literal(noun)) }
        return "OptionSpec(" + parts.joined(separator: ", ") + ")"
    }

    static func type(_ t: ValueType) -> String {
        switch t {
        case .number(let low, let high):
            return "ValueType.number(min: \(bound(low)), max: \(bound(high)))"
        case .integer(let low, let high):
            return "ValueType.integer(min: \(low.map { String($0) } ?? "nil"), max: \(high.map { String($0) } ?? "nil"))"
        case .fraction(let lowerOpen, let upperOpen):
            return "ValueType.fraction(lowerOpen: \(lowerOpen), upperOpen: \(upperOpen))"
        case .bool: return "ValueType.bool"
        case .string: return "ValueType.string"
        case .path: return "ValueType.path"
        case .word: return "ValueType.word"
        case .choice(let choices):
            return "ValueType.choice([" + choices.map { "Choice(\(literal($0.word)), \(literal($0.help)))" }
                .joined(separator: ", ") + "])"
        case .list(let element): return "ValueType.list(\(type(element)))"
        case .oneOf(let types): return "ValueType.oneOf([" + types.map(type).joined(separator: ", ") + "])"
        }
    }

    static func bound(_ b: Bound?) -> String {
        guard let b else { return "nil" }
        return "Bound(\(number(b.value)), inclusive: \(b.inclusive))"
    }

    static func defaultValue(_ d: DefaultValue) -> String {
        switch d {
        case .number(let v): return "DefaultValue.number(\(number(v)))"
        case .string(let s): return "DefaultValue.string(\(literal(s)))"
        case .bool(let b): return "DefaultValue.bool(\(b))"
        case .word(let w): return "DefaultValue.word(\(literal(w)))"
        case .list(let items): return "DefaultValue.list([" + items.map(defaultValue).joined(separator: ", ") + "])"
        }
    }

    static func number(_ v: Double) -> String {
        if v.isInfinite { return v < 0 ? "-Double.infinity" : "Double.infinity" }
        if v.isNaN { return "Double.nan" }
        return "\(v)"
    }

    static func strings(_ items: [String]) -> String { "[" + items.map(literal).joined(separator: ", ") + "]" }

    static func literal(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 { out += "\\u{\(String(scalar.value, radix: 16))}" } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}

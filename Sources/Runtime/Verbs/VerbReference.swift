import Language

/// The verb section of docs/language.md, generated from the verb table so the reference never
/// drifts from what the checker accepts (a test compares the two).
public enum VerbReference {
    public static let begin = "<!-- BEGIN GENERATED VERBS: produced from the verb table; do not edit by hand -->"
    public static let end = "<!-- END GENERATED VERBS -->"

    public static func markdown(_ table: VerbTable = Verbs.table) -> String {
        var out: [String] = []
        for sig in table.signatures {
            out.append("### `\(sig.name)`\n")
            out.append("\(sig.summary).\n")
            out.append("```\n\(sig.synopsis)\n```\n")
            var rows: [String] = []
            for a in sig.arguments {
                rows.append(row(a.name.uppercased(), a.type, a.defaultValue, a.help))
            }
            for o in sig.options {
                rows.append(row(o.name, o.type, o.defaultValue, o.help))
            }
            // Options that depend on the method or penalty, with the word they belong to.
            for variant in sig.variants {
                for o in variant.options {
                    let owner = "\(sig.variantSelector.map { $0.uppercased() } ?? "") \(variant.word)"
                    rows.append(row(o.name, o.type, o.defaultValue, "with \(owner): " + o.help))
                }
            }
            if !rows.isEmpty {
                out.append("| argument / option | type | default | meaning |\n|---|---|---|---|\n" + rows.joined(separator: "\n") + "\n")
            }
            if !sig.resultFields.isEmpty {
                out.append("Result fields: " + sig.resultFields.map { "`\($0.name)` (\($0.help))" }.joined(separator: ", ") + ".\n")
            }
            if !sig.requires.isEmpty { out.append("Needs: " + sig.requires.joined(separator: ", ") + ".\n") }
        }
        return out.joined(separator: "\n")
    }

    static func row(_ name: String, _ type: ValueType, _ d: DefaultValue?, _ help: String) -> String {
        var meaning = help
        let choices: [Choice]
        switch type {
        case .choice(let c): choices = c
        case .oneOf(let types): choices = types.flatMap { if case .choice(let c) = $0 { return c } else { return [] } }
        default: choices = []
        }
        let described = choices.filter { !$0.help.isEmpty }
        if !described.isEmpty {
            meaning += (meaning.isEmpty ? "" : "; ") + described.map { "`\($0.word)`: \($0.help)" }.joined(separator: "; ")
        }
        let t = type.description.replacingOccurrences(of: "|", with: "\\|")
        return "| `\(name)` | \(t) | \(d.map { "`\($0.display)`" } ?? "") | \(meaning.replacingOccurrences(of: "|", with: "\\|")) |"
    }

    /// Replaces the generated section of a document's text.
    public static func splice(into document: String) -> String? {
        guard let b = document.range(of: begin), let e = document.range(of: end), b.upperBound <= e.lowerBound else { return nil }
        return String(document[..<b.upperBound]) + "\n\n" + markdown() + "\n" + String(document[e.lowerBound...])
    }
}

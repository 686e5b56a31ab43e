import Foundation
import Language

/// `{NAME}` inside a `--set` or `--shared` string value stands for the point's value of NAME,
/// so a value can follow the other variables (`"dense-{run_seed}.safetensors"`) where a recipe
/// cannot build the text itself. Braces around anything but a name are left as they are.
enum SweepReference {
    /// The names `{NAME}` refers to in a string value, in order; none for other values.
    static func names(in value: Value) -> [String] {
        guard case .string(let s) = value else { return [] }
        return matches(in: s).map(\.name)
    }

    /// The value with every `{NAME}` replaced by the plain text of `values[NAME]` (a string's
    /// characters, otherwise its literal); names without a value stay as written.
    static func resolve(_ value: Value, with values: [String: Value]) -> Value {
        guard case .string(let s) = value else { return value }
        var out = "", rest = s[...]
        for m in matches(in: s) {
            guard let v = values[m.name] else { continue }
            out += rest[..<m.range.lowerBound] + SweepPoint.text(v)
            rest = s[m.range.upperBound...]
        }
        return .string(out + rest)
    }

    static func matches(in s: String) -> [(name: String, range: Range<String.Index>)] {
        var found: [(String, Range<String.Index>)] = []
        var i = s.startIndex
        while let open = s[i...].firstIndex(of: "{") {
            let after = s.index(after: open)
            guard let close = s[after...].firstIndex(of: "}") else { break }
            let name = s[after..<close]
            if let first = name.first, first.isLetter || first == "_",
               name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) {
                found.append((String(name), open..<s.index(after: close)))
                i = s.index(after: close)
            } else {
                i = after
            }
        }
        return found
    }
}

/// Whether the lines typed so far form whole statements, or a `{ }` block, `( )` or `[ ]` is
/// still open so the REPL should read another line (with the `...> ` prompt).
public enum InputCompleteness {
    public static func needsMoreInput(_ text: String) -> Bool {
        var depth = 0
        var inString = false
        var inComment = false
        var escaped = false
        for byte in text.utf8 {
            if inComment {
                if byte == UInt8(ascii: "\n") { inComment = false }
                continue
            }
            if inString {
                // Strings end at the line break (they cannot span lines): the checker reports it.
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true }
                else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\n") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "#"): inComment = true
            case UInt8(ascii: "{"), UInt8(ascii: "("), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: ")"), UInt8(ascii: "]"): depth -= 1
            default: break
            }
        }
        if depth > 0 { return true }
        // `}` alone may be followed by `else` on the next line; the REPL does not wait for it,
        // so write `} else {` on one line at the prompt.
        return false
    }
}

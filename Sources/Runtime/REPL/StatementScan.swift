/// A light scan of the text before the cursor, enough to tell what is being typed: the words of
/// the current statement (or of the innermost parenthesised command), whether the cursor is in
/// a string or comment, and the word under the cursor. It never reports errors: half-typed
/// lines are its normal input.
struct StatementScan {
    /// UTF-8 offset of the opening quote when the cursor is inside a string.
    var openStringStart: Int?
    var inComment = false
    /// UTF-8 offset where the word under the cursor starts.
    var wordStart = 0
    /// Whole words of the current statement before the word under the cursor.
    var words: [String] = []
    /// True when the current segment is a `(` with nothing typed after it yet.
    var afterOpenParen = false
    /// `epochs` in `train epochs=|`.
    var optionBeforeWord: String?

    init(_ text: String) {
        let bytes = Array(text.utf8)
        // Start of the current segment: after the last `;`, `{`, `}` or unclosed `(`.
        var segments: [(start: Int, paren: Bool)] = [(0, false)]
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                var end = index + 1
                var closed = false
                while end < bytes.count {
                    if bytes[end] == UInt8(ascii: "\\") { end += 2; continue }
                    if bytes[end] == UInt8(ascii: "\"") { closed = true; break }
                    end += 1
                }
                if !closed { openStringStart = index; return }
                index = end
            case UInt8(ascii: "#"):
                inComment = true
                return
            case UInt8(ascii: ";"), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "\n"):
                segments = [(index + 1, false)]
            case UInt8(ascii: "("):
                segments.append((index + 1, true))
            case UInt8(ascii: ")"):
                if segments.count > 1 { segments.removeLast() }
            default: break
            }
            index += 1
        }
        var start = bytes.count
        while start > 0, Self.isWordByte(bytes[start - 1]) { start -= 1 }
        wordStart = start
        let segment = segments[segments.count - 1]
        let lead = Array(bytes[min(segment.start, start)..<start])
        words = Self.split(lead)
        afterOpenParen = segment.paren && words.isEmpty
        if start >= 2, bytes[start - 1] == UInt8(ascii: "="), !"=!<>".utf8.contains(bytes[start - 2]) {
            var nameStart = start - 1
            while nameStart > 0, Self.isWordByte(bytes[nameStart - 1]) { nameStart -= 1 }
            if nameStart < start - 1 {
                optionBeforeWord = String(decoding: bytes[nameStart..<(start - 1)], as: UTF8.self)
                if let last = words.last, last.hasSuffix("=") { words.removeLast() }
            }
        }
    }

    /// Options already written in this command (`epochs` from `epochs=3`).
    var givenOptions: [String] {
        words.dropFirst().compactMap { word in
            guard let eq = word.firstIndex(of: "="), eq != word.startIndex, !word.contains("==") else { return nil }
            return String(word[..<eq])
        }
    }

    /// Positional arguments already written: words after the verb that are not options, with an
    /// arithmetic expression (`n + 1`) counted once.
    var positionalCount: Int {
        var count = 0
        var joinNext = false
        for word in words.dropFirst() {
            if ["+", "-", "*", "/", "and", "or", "not", "==", "!=", "<", "<=", ">", ">="].contains(word) {
                joinNext = true
                continue
            }
            if word.contains("=") && !word.contains("==") { continue }
            if !joinNext { count += 1 }
            joinNext = false
        }
        return count
    }

    static func isWordByte(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
            || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
            || b == UInt8(ascii: ".") || b >= 0x80
    }

    /// Splits on blanks outside brackets and strings.
    static func split(_ bytes: [UInt8]) -> [String] {
        var words: [String] = []
        var current: [UInt8] = []
        var depth = 0
        var inString = false
        for b in bytes {
            if inString {
                current.append(b)
                if b == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch b {
            case UInt8(ascii: "\""): inString = true; current.append(b)
            case UInt8(ascii: "["): depth += 1; current.append(b)
            case UInt8(ascii: "]"): depth -= 1; current.append(b)
            case UInt8(ascii: " ") where depth <= 0, UInt8(ascii: "\t") where depth <= 0:
                if !current.isEmpty { words.append(String(decoding: current, as: UTF8.self)); current = [] }
            default: current.append(b)
            }
        }
        if !current.isEmpty { words.append(String(decoding: current, as: UTF8.self)) }
        return words
    }
}

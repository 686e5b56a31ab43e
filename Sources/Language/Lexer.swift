/// Turns UTF-8 source bytes into tokens. Works on the byte array directly (no per-character
/// String work), reports bad text as diagnostics and keeps going.
public struct Lexer {
    private let source: SourceFile
    private let bytes: [UInt8]
    private var index = 0
    /// Open `(` and `[`: inside them a newline does not end the statement.
    private var groupingDepth = 0
    public private(set) var diagnostics: [Diagnostic] = []
    /// Last computed location; tokens arrive in order, so positions are found by walking
    /// forward from here instead of rescanning the line (long lines stay linear).
    private var tracked = SourceLocation(offset: 0, line: 1, column: 1)

    public init(source: SourceFile) {
        self.source = source
        self.bytes = source.bytes
    }

    /// Lexes the whole file; the last token is always `.endOfFile`.
    public static func tokenize(_ source: SourceFile) -> (tokens: [Token], diagnostics: [Diagnostic]) {
        var lexer = Lexer(source: source)
        var tokens: [Token] = []
        tokens.reserveCapacity(source.bytes.count / 3)
        while true {
            let token = lexer.next()
            tokens.append(token)
            if token.kind == .endOfFile { break }
        }
        return (tokens, lexer.diagnostics)
    }

    public mutating func next() -> Token {
        let spaced = skipTrivia()
        let start = index
        guard index < bytes.count else { return make(.endOfFile, from: start, spaced) }
        let byte = bytes[index]
        if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: ";") {
            index += 1
            return make(.endOfStatement, from: start, spaced)
        }
        if Self.isIdentifierStart(byte) { return identifier(spaced) }
        if Self.isDigit(byte) { return number(spaced) }
        if byte == UInt8(ascii: "\"") { return string(spaced) }
        return symbol(spaced)
    }

    // MARK: Pieces

    /// Skips blanks, comments and (inside brackets) newlines. Returns whether anything was skipped.
    private mutating func skipTrivia() -> Bool {
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r") {
                index += 1
            } else if byte == UInt8(ascii: "#") {
                while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
            } else if byte == UInt8(ascii: "\n"), groupingDepth > 0, !statementKeywordFollows(index + 1) {
                index += 1
            } else {
                break
            }
        }
        return index > start
    }

    /// An unclosed '(' or '[' must not swallow the rest of the file: a line that starts with a
    /// statement keyword ends the statement even inside brackets.
    private mutating func statementKeywordFollows(_ offset: Int) -> Bool {
        var probe = offset
        while probe < bytes.count, bytes[probe] == UInt8(ascii: " ") || bytes[probe] == UInt8(ascii: "\t") {
            probe += 1
        }
        var end = probe
        while end < bytes.count, Self.isIdentifierPart(bytes[end]) { end += 1 }
        guard end > probe, end - probe <= 6 else { return false }
        let word = String(decoding: bytes[probe..<end], as: UTF8.self)
        switch Keyword(rawValue: word) {
        case .let?, .for?, .if?, .def?, .import?, .assert?, .print?, .return?:
            groupingDepth = 0
            return true
        default:
            return false
        }
    }

    private mutating func identifier(_ spaced: Bool) -> Token {
        let start = index
        index += 1
        while index < bytes.count {
            let byte = bytes[index]
            if Self.isIdentifierPart(byte) {
                index += 1
            } else if byte == UInt8(ascii: "-"), index + 1 < bytes.count,
                      Self.isAlphanumeric(bytes[index + 1]), Self.isAlphanumeric(bytes[index - 1]) {
                // `fashion-mnist`: a hyphen between letters or digits belongs to the name.
                index += 1
            } else {
                break
            }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if let keyword = Keyword(rawValue: text) { return make(.keyword(keyword), from: start, spaced) }
        return make(.identifier(text), from: start, spaced)
    }

    private mutating func number(_ spaced: Bool) -> Token {
        let start = index
        while index < bytes.count, Self.isDigit(bytes[index]) { index += 1 }
        if index + 1 < bytes.count, bytes[index] == UInt8(ascii: "."), Self.isDigit(bytes[index + 1]) {
            index += 1
            while index < bytes.count, Self.isDigit(bytes[index]) { index += 1 }
        }
        var malformed = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            var probe = index + 1
            if probe < bytes.count, bytes[probe] == UInt8(ascii: "-") || bytes[probe] == UInt8(ascii: "+") {
                probe += 1
            }
            if probe < bytes.count, Self.isDigit(bytes[probe]) {
                index = probe
                while index < bytes.count, Self.isDigit(bytes[index]) { index += 1 }
            } else {
                malformed = true
            }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        // A letter glued to a number (`3x`, `1e`) is a typo, not two tokens.
        if malformed || (index < bytes.count && Self.isIdentifierPart(bytes[index])) {
            while index < bytes.count, Self.isIdentifierPart(bytes[index]) { index += 1 }
            report(.malformedNumber, "malformed number '\(String(decoding: bytes[start..<index], as: UTF8.self))'",
                   from: start, help: "write numbers as 3, 0.5, 1e-4 or 50%")
            return make(.invalid, from: start, spaced)
        }
        guard var value = Double(text) else {
            report(.malformedNumber, "malformed number '\(text)'", from: start, help: nil)
            return make(.invalid, from: start, spaced)
        }
        // Reading saturates to infinity, which would pass every `>` range check downstream.
        guard value.isFinite else {
            report(.malformedNumber, "number '\(Self.abbreviated(text))' is too large for a 64-bit floating-point number",
                   from: start, help: "numbers must be below about 1.8e308")
            return make(.invalid, from: start, spaced)
        }
        var percent = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "%") {
            index += 1
            value /= 100
            percent = true
        }
        return make(.number(value, isPercent: percent), from: start, spaced)
    }

    private mutating func string(_ spaced: Bool) -> Token {
        let start = index
        index += 1
        var content: [UInt8] = []
        var valid = true
        while true {
            guard index < bytes.count, bytes[index] != UInt8(ascii: "\n") else {
                report(.unterminatedString, "unterminated string", from: start,
                       help: "add a closing '\"' before the end of the line")
                return make(.invalid, from: start, spaced)
            }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") { index += 1; break }
            if byte == UInt8(ascii: "\\") {
                let escapeStart = index
                index += 1
                let escaped = index < bytes.count ? bytes[index] : 0
                switch escaped {
                case UInt8(ascii: "\""): content.append(escaped)
                case UInt8(ascii: "\\"): content.append(escaped)
                case UInt8(ascii: "n"): content.append(UInt8(ascii: "\n"))
                case UInt8(ascii: "t"): content.append(UInt8(ascii: "\t"))
                default:
                    let end = min(index + 1, bytes.count)
                    diagnostics.append(Diagnostic(
                        code: .invalidEscape, message: "unknown escape sequence in string",
                        range: range(from: escapeStart, to: end),
                        help: "use \\\" \\\\ \\n or \\t"))
                    valid = false
                }
                if index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
                continue
            }
            content.append(byte)
            index += 1
        }
        guard valid else { return make(.invalid, from: start, spaced) }
        return make(.string(String(decoding: content, as: UTF8.self)), from: start, spaced)
    }

    private mutating func symbol(_ spaced: Bool) -> Token {
        let start = index
        let byte = bytes[index]
        let following: UInt8 = index + 1 < bytes.count ? bytes[index + 1] : 0
        let symbol: Symbol?
        var length = 1
        switch byte {
        case UInt8(ascii: "["): symbol = .leftBracket; groupingDepth += 1
        case UInt8(ascii: "]"): symbol = .rightBracket; groupingDepth = max(0, groupingDepth - 1)
        case UInt8(ascii: "("): symbol = .leftParen; groupingDepth += 1
        case UInt8(ascii: ")"): symbol = .rightParen; groupingDepth = max(0, groupingDepth - 1)
        case UInt8(ascii: "{"): symbol = .leftBrace; groupingDepth = 0  // blocks never sit inside brackets
        case UInt8(ascii: "}"): symbol = .rightBrace; groupingDepth = 0
        case UInt8(ascii: ","): symbol = .comma
        case UInt8(ascii: "."): symbol = .dot
        case UInt8(ascii: "+"): symbol = .plus
        case UInt8(ascii: "-"): symbol = .minus
        case UInt8(ascii: "*"): symbol = .star
        case UInt8(ascii: "/"): symbol = .slash
        case UInt8(ascii: "="):
            if following == UInt8(ascii: "=") { symbol = .equal; length = 2 } else { symbol = .assign }
        case UInt8(ascii: "!"):
            symbol = following == UInt8(ascii: "=") ? .notEqual : nil
            length = 2
        case UInt8(ascii: "<"):
            if following == UInt8(ascii: "=") { symbol = .lessEqual; length = 2 } else { symbol = .less }
        case UInt8(ascii: ">"):
            if following == UInt8(ascii: "=") { symbol = .greaterEqual; length = 2 } else { symbol = .greater }
        default: symbol = nil
        }
        if let symbol {
            index += length
            return make(.symbol(symbol), from: start, spaced)
        }
        // Step over one whole scalar so a multi-byte character is reported once.
        index += 1
        while index < bytes.count, bytes[index] & 0xC0 == 0x80 { index += 1 }
        let character = String(decoding: bytes[start..<index], as: UTF8.self)
        let help: String? = byte == UInt8(ascii: "!") ? "use 'not' for negation" : nil
        report(.unexpectedCharacter, "unexpected character '\(character)'", from: start, help: help)
        return make(.invalid, from: start, spaced)
    }

    // MARK: Helpers

    private mutating func make(_ kind: TokenKind, from start: Int, _ spaced: Bool) -> Token {
        Token(kind: kind, range: range(from: start, to: index), spaceBefore: spaced)
    }

    private mutating func report(_ code: DiagnosticCode, _ message: String, from start: Int, help: String?) {
        diagnostics.append(Diagnostic(code: code, message: message, range: range(from: start, to: index), help: help))
    }

    private mutating func range(from start: Int, to end: Int) -> SourceRange {
        let startLocation = location(start)
        return SourceRange(file: source.name, start: startLocation, end: location(end))
    }

    private mutating func location(_ offset: Int) -> SourceLocation {
        guard offset >= tracked.offset else { return source.location(ofOffset: offset) }
        var location = tracked
        while location.offset < offset {
            let byte = bytes[location.offset]
            if byte == UInt8(ascii: "\n") {
                location.line += 1
                location.column = 1
            } else if byte & 0xC0 != 0x80 {
                location.column += 1
            }
            location.offset += 1
        }
        tracked = location
        return location
    }

    /// A number's text short enough to quote in a message (400 digits are not).
    static func abbreviated(_ text: String) -> String {
        text.count <= 24 ? text : "\(text.prefix(12))...\(text.suffix(8)) (\(text.count) characters)"
    }

    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    static func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }
    static func isAlphanumeric(_ b: UInt8) -> Bool { isLetter(b) || isDigit(b) }
    static func isIdentifierStart(_ b: UInt8) -> Bool { isLetter(b) || b == UInt8(ascii: "_") }
    static func isIdentifierPart(_ b: UInt8) -> Bool { isAlphanumeric(b) || b == UInt8(ascii: "_") }
}

/// Source text, positions and ranges. Every syntax node and diagnostic points back here.

/// A position in a source file. `line` and `column` are 1-based; the column counts Unicode
/// scalars so carets line up under non-ASCII text; `offset` is the UTF-8 byte offset.
public struct SourceLocation: Sendable, Hashable, Comparable {
    public var offset: Int
    public var line: Int
    public var column: Int

    public init(offset: Int, line: Int, column: Int) {
        self.offset = offset
        self.line = line
        self.column = column
    }

    public static func < (a: SourceLocation, b: SourceLocation) -> Bool { a.offset < b.offset }
}

/// A half-open range `[start, end)` in one named file.
public struct SourceRange: Sendable, Hashable {
    public var file: String
    public var start: SourceLocation
    public var end: SourceLocation

    public init(file: String, start: SourceLocation, end: SourceLocation) {
        self.file = file
        self.start = start
        self.end = end
    }

    /// The smallest range covering both (both must be in the same file).
    public func union(_ other: SourceRange) -> SourceRange {
        SourceRange(file: file, start: Swift.min(start, other.start), end: Swift.max(end, other.end))
    }

    /// Whether `other` lies inside this range (same file).
    public func contains(_ other: SourceRange) -> Bool {
        file == other.file && start.offset <= other.start.offset && other.end.offset <= end.offset
    }

    /// A range with no file behind it, for values created outside any script (defaults, `--set`).
    public static let unknown = SourceRange(
        file: "<unknown>", start: SourceLocation(offset: 0, line: 0, column: 0),
        end: SourceLocation(offset: 0, line: 0, column: 0))
}

/// The text of one script with its line table. Stores the UTF-8 bytes once; the lexer reads them.
public struct SourceFile: Sendable {
    public let name: String
    public let bytes: [UInt8]
    /// Byte offset at which each line starts (line 1 at index 0).
    public let lineStarts: [Int]

    /// Builds a source file from text that is already valid Unicode.
    public init(name: String, text: String) {
        self.init(name: name, validBytes: Array(text.utf8))
    }

    private init(name: String, validBytes: [UInt8]) {
        self.name = name
        self.bytes = validBytes
        var starts = [0]
        for (index, byte) in validBytes.enumerated() where byte == UInt8(ascii: "\n") {
            starts.append(index + 1)
        }
        self.lineStarts = starts
    }

    /// Decodes raw file bytes. Invalid UTF-8 is reported as a diagnostic at the first bad byte
    /// instead of being replaced silently, so a binary file given by mistake is named as such.
    public static func decode(name: String, bytes: [UInt8]) -> Result<SourceFile, Diagnostic> {
        if let bad = UTF8Validation.firstInvalidOffset(in: bytes) {
            let prefix = SourceFile(name: name, validBytes: Array(bytes[..<bad]))
            let location = prefix.location(ofOffset: bad)
            let range = SourceRange(file: name, start: location, end: location)
            return .failure(Diagnostic(
                code: .invalidUTF8, severity: .error,
                message: "file is not valid UTF-8 (bad byte 0x\(String(bytes[bad], radix: 16)) at byte offset \(bad))",
                range: range,
                help: "save the script as UTF-8 text"))
        }
        return .success(SourceFile(name: name, validBytes: bytes))
    }

    public var text: String { String(decoding: bytes, as: UTF8.self) }
    public var lineCount: Int { lineStarts.count }

    /// Line and column of a byte offset (binary search over the line table).
    public func location(ofOffset offset: Int) -> SourceLocation {
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= offset { low = mid } else { high = mid - 1 }
        }
        var column = 1
        var index = lineStarts[low]
        let end = Swift.min(offset, bytes.count)
        while index < end {
            if bytes[index] & 0xC0 != 0x80 { column += 1 }
            index += 1
        }
        return SourceLocation(offset: offset, line: low + 1, column: column)
    }

    public func range(from start: Int, to end: Int) -> SourceRange {
        SourceRange(file: name, start: location(ofOffset: start), end: location(ofOffset: end))
    }

    /// The text of a 1-based line without its line break.
    public func lineText(_ line: Int) -> String {
        guard line >= 1, line <= lineStarts.count else { return "" }
        let start = lineStarts[line - 1]
        var end = line < lineStarts.count ? lineStarts[line] : bytes.count
        while end > start, bytes[end - 1] == UInt8(ascii: "\n") || bytes[end - 1] == UInt8(ascii: "\r") {
            end -= 1
        }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}

/// A strict UTF-8 check (rejects overlong forms, surrogates and values past U+10FFFF).
enum UTF8Validation {
    static func firstInvalidOffset(in bytes: [UInt8]) -> Int? {
        var index = 0
        let count = bytes.count
        while index < count {
            let lead = bytes[index]
            if lead < 0x80 { index += 1; continue }
            let length: Int
            var minSecond: UInt8 = 0x80
            var maxSecond: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; minSecond = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; maxSecond = 0x9F
            case 0xF0: length = 4; minSecond = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; maxSecond = 0x8F
            default: return index
            }
            guard index + length <= count else { return index }
            let second = bytes[index + 1]
            guard second >= minSecond, second <= maxSecond else { return index }
            var next = index + 2
            while next < index + length {
                guard bytes[next] & 0xC0 == 0x80 else { return index }
                next += 1
            }
            index += length
        }
        return nil
    }
}

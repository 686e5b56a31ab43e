/// The one renderer shared by scripts, the REPL and tests:
///
///     recipe.prn:12:7: error[E203]: unknown scoring method 'mip'
///        12 | score mip samples=512
///           |       ^~~
///           = help: did you mean 'mipp'?
public struct DiagnosticRenderer: Sendable {
    /// ANSI colour; the caller decides (terminal, NO_COLOR).
    public var colour: Bool
    private var sources: [String: SourceFile]

    public init(sources: [SourceFile] = [], colour: Bool = false) {
        self.colour = colour
        var byName: [String: SourceFile] = [:]
        for source in sources { byName[source.name] = source }
        self.sources = byName
    }

    public mutating func add(_ source: SourceFile) { sources[source.name] = source }

    public func render(_ diagnostics: [Diagnostic]) -> String {
        diagnostics.map(render).joined()
    }

    /// Renders one diagnostic, ending with a newline.
    public func render(_ diagnostic: Diagnostic) -> String {
        let range = diagnostic.range
        var out = ""
        let position = range.start.line > 0 ? "\(range.file):\(range.start.line):\(range.start.column): "
                                            : "\(range.file): "
        out += paint(position, Style.bold)
        // The code in brackets, as rustc prints it: the key to the table in docs/language.md.
        out += paint("\(diagnostic.severity.rawValue)[\(diagnostic.code.id)]:", style(for: diagnostic.severity))
        out += paint(" \(diagnostic.message)", Style.bold) + "\n"
        let width = max(4, String(range.start.line).count)
        let pad = String(repeating: " ", count: width + 2)
        if range.start.line > 0, let source = sources[range.file] {
            out += excerpt(range, source: source, width: width)
        }
        for note in diagnostic.notes {
            if let noteRange = note.range, noteRange.start.line > 0 {
                out += "\(pad)= note: \(note.message) (\(noteRange.file):\(noteRange.start.line):\(noteRange.start.column))\n"
            } else {
                out += "\(pad)= note: \(note.message)\n"
            }
        }
        if let help = diagnostic.help {
            out += "\(pad)= " + paint("help:", Style.cyan) + " \(help)\n"
        }
        return out
    }

    private func excerpt(_ range: SourceRange, source: SourceFile, width: Int) -> String {
        let line = range.start.line
        let text = source.lineText(line)
        let number = String(line)
        let gutter = String(repeating: " ", count: width - number.count) + number
        var out = " \(gutter) | \(text)\n"
        // Underline length in scalars, clipped to the first line of the range.
        let lineLength = text.unicodeScalars.count
        let startColumn = min(range.start.column, lineLength + 1)
        let endColumn = range.end.line == line ? range.end.column : lineLength + 1
        let length = max(1, endColumn - startColumn)
        let marker = "^" + String(repeating: "~", count: length - 1)
        let blank = String(repeating: " ", count: width + 1)
        out += "\(blank) | " + String(repeating: " ", count: startColumn - 1)
        out += paint(marker, Style.red) + "\n"
        return out
    }

    private enum Style {
        static let bold = "\u{1B}[1m"
        static let red = "\u{1B}[1;31m"
        static let yellow = "\u{1B}[1;33m"
        static let cyan = "\u{1B}[1;36m"
        static let reset = "\u{1B}[0m"
    }

    private func style(for severity: Severity) -> String {
        switch severity {
        case .error: return Style.red
        case .warning: return Style.yellow
        case .note: return Style.cyan
        }
    }

    private func paint(_ text: String, _ style: String) -> String {
        colour ? style + text + Style.reset : text
    }
}

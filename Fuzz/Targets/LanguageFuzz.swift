import Language
import Runtime

/// The `language` fuzz target: decoding, lexing, parsing, checking (against the verb table the
/// runtime declares, `Verbs.table`) and rendering diagnostics. Any trap, sanitizer report,
/// timeout or memory blow-up is a bug in Language.
///
/// An input may hold several files separated by a line `#--- NAME`: the first part is the main
/// script and each later part is a module the main script (or another module) can import as
/// "NAME", so imports, cycles and procedure exports are explored as well.
enum FrontEndFuzz {
    static let separator = Array("#--- ".utf8)

    static func run(_ bytes: [UInt8]) {
        let parts = split(bytes)
        var modules: [String: String] = [:]
        for (name, body) in parts.dropFirst() {
            // Invalid UTF-8 in a module is the resolver's business; the fuzzer keeps valid ones.
            if case .success(let file) = SourceFile.decode(name: name, bytes: body) { modules[name] = file.text }
        }
        switch SourceFile.decode(name: "fuzz.prn", bytes: parts[0].1) {
        case .failure(let diagnostic):
            let renderer = DiagnosticRenderer(sources: [], colour: false)
            _ = renderer.render([diagnostic])
        case .success(let source):
            _ = Lexer.tokenize(source)
            let resolver = InMemoryImportResolver(files: modules)
            let checked = Checker.check(source, verbs: Verbs.table, resolver: resolver)
            var renderer = DiagnosticRenderer(sources: [source], colour: true)
            for (name, text) in modules { renderer.add(SourceFile(name: name, text: text)) }
            _ = renderer.render(checked.diagnostics)
        }
    }

    /// Splits at lines starting with `#--- ` (the rest of the line names the module).
    static func split(_ bytes: [UInt8]) -> [(String, [UInt8])] {
        var parts: [(String, [UInt8])] = []
        var name = "fuzz.prn"
        var current: [UInt8] = []
        var lineStart = 0
        var index = 0
        while index <= bytes.count {
            if index == bytes.count || bytes[index] == UInt8(ascii: "\n") {
                let line = bytes[lineStart..<index]
                if line.starts(with: separator) {
                    parts.append((name, current))
                    name = String(decoding: line.dropFirst(separator.count), as: UTF8.self)
                    current = []
                } else {
                    current.append(contentsOf: line)
                    if index < bytes.count { current.append(UInt8(ascii: "\n")) }
                }
                lineStart = index + 1
            }
            index += 1
        }
        parts.append((name, current))
        return parts
    }
}

import Foundation
import Language

/// One thing Tab may insert: `text` replaces the word being typed, `suffix` follows it when it
/// is the only match (a space after a verb, nothing after `epochs=`, a quote after a file).
public struct CompletionCandidate: Sendable, Hashable {
    public var text: String
    public var suffix: String
    /// What the list of matches shows (a file's name without its folder).
    public var display: String

    public init(_ text: String, suffix: String = " ", display: String? = nil) {
        self.text = text
        self.suffix = suffix
        self.display = display ?? text
    }
}

/// What completion knows about the session besides the verb table.
public struct CompletionContext {
    public var verbs: VerbTable
    public var variables: [String]
    /// Procedures defined so far, with their parameter names (completed as options).
    public var procedures: [String: [String]]
    public var metaCommands: [String]
    /// Lists a folder: names with whether each is a folder. Injected so tests need no files.
    public var listDirectory: (String) -> [(name: String, isDirectory: Bool)]

    public init(verbs: VerbTable, variables: [String] = [], procedures: [String: [String]] = [:],
                metaCommands: [String] = [],
                listDirectory: @escaping (String) -> [(name: String, isDirectory: Bool)] = CompletionContext.fileSystem) {
        self.verbs = verbs
        self.variables = variables
        self.procedures = procedures
        self.metaCommands = metaCommands
        self.listDirectory = listDirectory
    }

    public static func fileSystem(_ folder: String) -> [(name: String, isDirectory: Bool)] {
        let expanded = (folder as NSString).expandingTildeInPath
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: expanded) else { return [] }
        return names.map { name in
            var isDirectory: ObjCBool = false
            let path = (expanded as NSString).appendingPathComponent(name)
            _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            return (name, isDirectory.boolValue)
        }
    }
}

public struct CompletionResult: Sendable, Equatable {
    /// UTF-8 offset in the line where the word being completed starts.
    public var start: Int
    /// The word typed so far (line bytes from `start` to the cursor).
    public var word: String
    /// Matches, sorted, without duplicates.
    public var candidates: [CompletionCandidate]

    /// What to insert at the cursor: the rest of the only match and its suffix, or the longest
    /// prefix all matches share beyond what is typed (empty when Tab cannot add anything).
    public var insertion: String {
        guard let first = candidates.first else { return "" }
        if candidates.count == 1 { return String(first.text.dropFirst(word.count)) + first.suffix }
        var common = first.text
        for c in candidates.dropFirst() {
            common = String(zip(common, c.text).prefix { $0 == $1 }.map(\.0))
        }
        return common.count > word.count ? String(common.dropFirst(word.count)) : ""
    }
}

/// Tab completion driven by the verb signature table. Pure: the line, the cursor and what the
/// session knows in, candidates out.
public enum Completion {
    public static let keywords = ["let", "for", "if", "def", "import", "assert", "print"]

    /// `cursor` is a UTF-8 offset into `line`.
    public static func complete(line: String, cursor: Int, context: CompletionContext) -> CompletionResult {
        let bytes = Array(line.utf8.prefix(cursor))
        let before = String(decoding: bytes, as: UTF8.self)
        let after = String(decoding: Array(line.utf8.dropFirst(cursor)), as: UTF8.self)
        let trimmed = before.drop { $0 == " " || $0 == "\t" }
        if trimmed.hasPrefix(":") { return meta(before, context) }

        let scan = StatementScan(before)
        if scan.inComment { return CompletionResult(start: cursor, word: "", candidates: []) }
        if let quote = scan.openStringStart {
            let partial = String(decoding: bytes[(quote + 1)...], as: UTF8.self)
            return paths(partial, start: quote + 1, closeWith: after.hasPrefix("\"") ? "" : "\"", context)
        }
        let wordStart = scan.wordStart
        let word = String(decoding: bytes[wordStart...], as: UTF8.self)
        let result = { (all: [CompletionCandidate]) in Self.result(start: wordStart, word: word, all) }

        // `name=` right before the word: complete the option's value.
        if let option = scan.optionBeforeWord, let verb = scan.words.first {
            return result(optionValues(verb: verb, option: option, context))
        }
        if scan.afterOpenParen || scan.words.isEmpty {
            if scan.afterOpenParen { return result(commandNames(context)) }
            return result(commandNames(context) + keywords.map { CompletionCandidate($0) })
        }
        guard let verb = scan.words.first else { return result([]) }
        switch verb {
        case "let", "for", "if", "assert", "print", "return", "in", "else":
            return result(variables(context))
        case "def", "import":
            return result([])
        default:
            return result(argumentsAndOptions(verb: verb, scan: scan, context))
        }
    }

    // MARK: Pieces

    static func result(start: Int, word: String, _ all: [CompletionCandidate]) -> CompletionResult {
        var seen: Set<String> = []
        let matches = all.filter { $0.text.hasPrefix(word) && seen.insert($0.text).inserted }
            .sorted { $0.text < $1.text }
        return CompletionResult(start: start, word: word, candidates: matches)
    }

    static func commandNames(_ context: CompletionContext) -> [CompletionCandidate] {
        context.verbs.names.map { CompletionCandidate($0) } + context.procedures.keys.map { CompletionCandidate($0) }
    }

    static func variables(_ context: CompletionContext) -> [CompletionCandidate] {
        context.variables.map { CompletionCandidate($0, suffix: "") } + [CompletionCandidate("true"), CompletionCandidate("false")]
    }

    static func optionValues(verb: String, option: String, _ context: CompletionContext) -> [CompletionCandidate] {
        let vars = context.variables.map { CompletionCandidate($0, suffix: " ") }
        guard let spec = context.verbs[verb]?.option(named: option) else { return vars }
        return words(for: spec.type) + vars
    }

    static func words(for type: ValueType) -> [CompletionCandidate] {
        var words = type.choiceWords.map { CompletionCandidate($0) }
        if type == .bool || { if case .oneOf(let t) = type { return t.contains(.bool) }; return false }() {
            words += [CompletionCandidate("true"), CompletionCandidate("false")]
        }
        return words
    }

    static func argumentsAndOptions(verb: String, scan: StatementScan, _ context: CompletionContext) -> [CompletionCandidate] {
        let given = Set(scan.givenOptions)
        let vars = context.variables.map { CompletionCandidate($0, suffix: " ") }
        if let parameters = context.procedures[verb] {
            return parameters.filter { !given.contains($0) }.map { CompletionCandidate($0 + "=", suffix: "") } + vars
        }
        guard let signature = context.verbs[verb] else { return [] }
        var all = signature.options.filter { !given.contains($0.name) }.map { CompletionCandidate($0.name + "=", suffix: "") }
        // Once options start, positional arguments are over.
        if given.isEmpty {
            let index = scan.positionalCount
            if index < signature.arguments.count {
                all += words(for: signature.arguments[index].type)
                all += vars
            }
        }
        return all
    }

    static func meta(_ before: String, _ context: CompletionContext) -> CompletionResult {
        let leading = before.utf8.prefix { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }.count
        let body = String(before.dropFirst(leading))
        guard let space = body.firstIndex(of: " ") else {
            return result(start: leading, word: body, context.metaCommands.map { CompletionCandidate($0) })
        }
        let command = String(body[..<space])
        let rest = body[body.index(after: space)...]
        let argStart = leading + body.utf8.distance(from: body.startIndex, to: space) + 1 + rest.utf8.prefix { $0 == UInt8(ascii: " ") }.count
        let argument = String(rest.drop { $0 == " " })
        switch command {
        case ":help":
            return result(start: argStart, word: argument, context.verbs.names.map { CompletionCandidate($0, suffix: "") })
        case ":load", ":save":
            return paths(argument, start: argStart, closeWith: "", context)
        default:
            return result(start: argStart, word: argument, [])
        }
    }

    /// Completes the last path component of `partial` (which starts at UTF-8 offset `start`).
    static func paths(_ partial: String, start: Int, closeWith: String, _ context: CompletionContext) -> CompletionResult {
        let slash = partial.lastIndex(of: "/")
        let folderText = slash.map { String(partial[...$0]) } ?? ""
        let base = slash.map { String(partial[partial.index(after: $0)...]) } ?? partial
        let folder = folderText.isEmpty ? "." : folderText
        let entries = context.listDirectory(folder).filter { base.hasPrefix(".") || !$0.name.hasPrefix(".") }
        let all = entries.map { entry in
            CompletionCandidate(folderText + entry.name + (entry.isDirectory ? "/" : ""),
                                suffix: entry.isDirectory ? "" : closeWith,
                                display: entry.name + (entry.isDirectory ? "/" : ""))
        }
        return result(start: start, word: partial, all)
    }
}

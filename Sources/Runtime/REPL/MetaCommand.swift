import Foundation
import Language

/// The REPL's own commands, written with a leading colon so they never clash with verbs.
public enum MetaCommand: Equatable {
    case help(String?)
    case show
    case history
    case reset
    case load(String)
    case save(String)
    case quit

    public static let names = [":help", ":show", ":history", ":reset", ":load", ":save", ":quit"]

    static let summaries: [(String, String)] = [
        (":help [VERB]", "list verbs and meta-commands, or describe one verb"),
        (":show", "summarise the session: seed, data, model, variables, procedures"),
        (":history", "list the lines typed so far (also from earlier sessions)"),
        (":reset", "start over with a fresh session"),
        (":load FILE", "run a script in this session"),
        (":save FILE", "write the successful statements as a script 'prn run' reproduces"),
        (":quit", "leave (so does Ctrl-D)"),
    ]

    /// Parses a line that starts with `:`. Errors name the command and the fix.
    public static func parse(_ line: String) -> Result<MetaCommand, MetaCommandError> {
        let parts = line.trimmingCharacters(in: .whitespaces).split(separator: " ", maxSplits: 1).map(String.init)
        let name = parts.first ?? ""
        let argument = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        func file(_ make: (String) -> MetaCommand) -> Result<MetaCommand, MetaCommandError> {
            guard !argument.isEmpty else { return .failure(MetaCommandError("\(name) needs a file name, e.g. '\(name) recipe.prn'")) }
            // Quotes are optional, as in scripts.
            let unquoted = argument.count >= 2 && argument.hasPrefix("\"") && argument.hasSuffix("\"")
                ? String(argument.dropFirst().dropLast()) : argument
            return .success(make(unquoted))
        }
        func alone(_ command: MetaCommand) -> Result<MetaCommand, MetaCommandError> {
            argument.isEmpty ? .success(command) : .failure(MetaCommandError("\(name) takes no argument"))
        }
        switch name {
        case ":help", ":h", ":?": return .success(.help(argument.isEmpty ? nil : argument))
        case ":show": return alone(.show)
        case ":history": return alone(.history)
        case ":reset": return alone(.reset)
        case ":load": return file { .load($0) }
        case ":save": return file { .save($0) }
        case ":quit", ":q", ":exit": return alone(.quit)
        default:
            let near = names.first { $0.hasPrefix(name) && name.count > 1 } ?? Suggestions.closest(to: name, among: names)
            return .failure(MetaCommandError("unknown meta-command '\(name)'"
                + (near.map { "; did you mean '\($0)'?" } ?? "; type :help for the list")))
        }
    }

    /// `:help` alone: every verb with its summary, then the meta-commands and keys.
    public static func overview(verbs: VerbTable, procedures: [String] = []) -> String {
        let width = max(verbs.names.map(\.count).max() ?? 0, 14)
        var lines = ["verbs:"]
        for v in verbs.signatures { lines.append("  " + v.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + v.summary) }
        if !procedures.isEmpty { lines.append("procedures: " + procedures.sorted().joined(separator: ", ")) }
        lines.append("")
        lines.append("meta-commands:")
        for (usage, text) in summaries { lines.append("  " + usage.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + text) }
        lines.append("")
        lines.append("Tab completes verbs, options, choices, variables and file names; Ctrl-R searches the history;")
        lines.append("Ctrl-C discards the line or stops a running command; Ctrl-D leaves. ':help VERB' for details.")
        return lines.joined(separator: "\n") + "\n"
    }

    /// `:help VERB`: the verb's help text, or an error naming the nearest verb.
    public static func help(for name: String, verbs: VerbTable) -> Result<String, MetaCommandError> {
        if let signature = verbs[name] { return .success(signature.helpText()) }
        if let meta = summaries.first(where: { $0.0.hasPrefix(name) && name.hasPrefix(":") }) {
            return .success("\(meta.0) — \(meta.1)\n")
        }
        let hint = Suggestions.closest(to: name, among: verbs.names).map { "; did you mean '\($0)'?" } ?? "; type :help for the list"
        return .failure(MetaCommandError("no verb named '\(name)'" + hint))
    }
}

public struct MetaCommandError: Error, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
}

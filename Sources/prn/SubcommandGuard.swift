import ArgumentParser
import Foundation
import Language
import Runtime

/// A word where the subcommand goes that names none of them. Without this, the default
/// subcommand (the REPL) would report it as "unexpected argument" with the REPL's usage, which
/// does not tell a user who typed `prn rnu x.prn` that `run` was meant.
enum SubcommandGuard {
    /// Options of the default subcommand that take a value: the word after them is that value,
    /// not a subcommand.
    static let valueOptions: Set<String> = ["--set", "--log", "--allow"]

    static var subcommands: [ParsableCommand.Type] { PrnCommand.configuration.subcommands }

    static func name(_ command: ParsableCommand.Type) -> String {
        command.configuration.commandName ?? String(describing: command).lowercased()
    }

    /// Exits with prn's usage (64) when the first word that is not an option names no subcommand.
    static func refuseUnknownSubcommand(_ arguments: [String] = Array(CommandLine.arguments.dropFirst())) {
        guard let word = firstPositional(arguments) else { return }
        let known = subcommands.map(name) + ["help"]
        guard !known.contains(word) else { return }
        FileHandle.standardError.write(Data(message(for: word, known: known).utf8))
        exit(PrnExit.usage)
    }

    static func firstPositional(_ arguments: [String]) -> String? {
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" { return index + 1 < arguments.count ? arguments[index + 1] : nil }
            if !argument.hasPrefix("-") || argument == "-" { return argument }
            index += valueOptions.contains(argument) ? 2 : 1
        }
        return nil
    }

    static func message(for word: String, known: [String]) -> String {
        var first = "prn: unknown subcommand '\(word)'"
        var isFile: ObjCBool = false
        if FileManager.default.fileExists(atPath: word, isDirectory: &isFile), !isFile.boolValue {
            first += "; to run the script: prn run \(word)"
        } else if let hint = Suggestions.help(for: word, among: known) {
            first += "; \(hint)"
        }
        return first + "\n" + usage()
    }

    /// The subcommands with their one-line summaries, from the command definitions.
    static func usage() -> String {
        let shown = subcommands.filter { $0.configuration.shouldDisplay }
        let width = shown.map { name($0).count }.max() ?? 0
        var lines = ["usage: prn [SUBCOMMAND] [OPTIONS]",
                     "  with no subcommand, prn starts the REPL (or runs statements piped into it)"]
        for command in shown {
            lines.append("  prn " + name(command).padding(toLength: width, withPad: " ", startingAt: 0)
                         + "  " + command.configuration.abstract)
        }
        lines.append("  'prn help SUBCOMMAND' describes one; 'prn --version' prints the version")
        return lines.joined(separator: "\n") + "\n"
    }
}

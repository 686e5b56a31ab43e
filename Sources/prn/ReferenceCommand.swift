import ArgumentParser
import Foundation
import Runtime

/// `prn reference`: the verb reference as markdown, from the verb table.
struct ReferenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reference", abstract: "Print the verb reference (markdown) generated from the verb table.")

    @Option(help: ArgumentHelp("Rewrite the generated section of this markdown file in place.", valueName: "FILE"))
    var splice: String?

    func run() throws {
        guard let path = splice else { print(VerbReference.markdown()); return }
        let doc = try String(contentsOfFile: path, encoding: .utf8)
        guard let updated = VerbReference.splice(into: doc) else {
            throw ValidationError("\(path) has no generated-verbs markers")
        }
        try updated.write(toFile: path, atomically: true, encoding: .utf8)
    }
}

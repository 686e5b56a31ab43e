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
        guard let data = FileManager.default.contents(atPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            fail("\(path): \(exists ? "cannot read the file" : "no such file")", status: PrnExit.noInput)
        }
        guard let doc = String(data: data, encoding: .utf8), let updated = VerbReference.splice(into: doc) else {
            fail("\(path) has no generated-verbs markers; put the lines '\(VerbReference.begin)' and "
                 + "'\(VerbReference.end)' where the verb reference belongs", status: PrnExit.staticError)
        }
        do { try updated.write(toFile: path, atomically: true, encoding: .utf8) } catch {
            fail("cannot write \(path): \(error.localizedDescription)", status: PrnExit.ioError)
        }
    }

    private func fail(_ message: String, status: Int32) -> Never {
        FileHandle.standardError.write(Data("prn reference: \(message)\n".utf8))
        Foundation.exit(status)
    }
}

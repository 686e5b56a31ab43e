import ArgumentParser
import Foundation
import Runtime

struct PrnCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prn",
        abstract: "A language and REPL for neural-network pruning pipelines.",
        subcommands: [BenchCommand.self])
}

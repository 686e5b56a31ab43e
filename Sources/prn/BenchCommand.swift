import ArgumentParser
import Foundation
import Runtime

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run the engine and pruning benchmarks.")

    @Flag(help: "Print one JSON object per line (the PyTorch reference's format).")
    var json = false

    @Argument(help: "Workload groups to run: lenet300, lenet5, vgg, sparse, language, repl, scorers (default: all).")
    var groups: [String] = []

    func run() throws {
        // A workload that fails (its data missing, a model that does not build) is a runtime
        // failure (70), not the generic status 1 an uncaught error would give.
        do { try runWorkloads() } catch {
            FileHandle.standardError.write(Data("prn bench: \(error)\n".utf8))
            throw ExitCode(PrnExit.runtimeError)
        }
    }

    private func runWorkloads() throws {
        let which = Set(groups.isEmpty ? ["lenet300", "lenet5", "vgg", "sparse", "language", "repl", "scorers"] : groups)
        let emit: (BenchResult) -> Void = { r in
            // Unbuffered: scripts read bench lines while the run goes on.
            FileHandle.standardOutput.write(Data(((json ? r.json : r.human) + "\n").utf8))
        }
        for r in try EngineWorkloads.mnistModels(which) { emit(r) }
        if which.contains("vgg") { for r in try EngineWorkloads.vggSmall() { emit(r) } }
        if which.contains("language") { emit(LanguageWorkloads.check1000()) }
        if which.contains("repl"), let r = ReplStartupBench.measure() { emit(r) }
        if which.contains("scorers") { for r in try ScorerWorkloads.all() { emit(r) } }
        if which.contains("sparse") { for r in try SparseWorkloads.all() { emit(r) } }
    }
}


import ArgumentParser
import Foundation
import Runtime

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run the engine and pruning benchmarks.")

    @Flag(help: "Print one JSON object per line (the PyTorch reference's format).")
    var json = false

    @Argument(help: "Workload groups to run: lenet300, lenet5, vgg, resnet, conv, sparse, language, repl, scorers (default: all).")
    var groups: [String] = []

    @Option(help: "Time this model instead (a prn .safetensors file or an .onnx model, whose output may have any shape): inference at each --batch size.")
    var model: String?

    @Option(help: "With --model: batch sizes, comma-separated.")
    var batch = "1,32"

    @Option(help: "With --model: also time the model with this fraction of its channels pruned (magnitude), and print the speedup.")
    var prune: Double?

    @Option(help: "With --prune: global (one ranking across layers) or local (the same fraction in every layer).")
    var scope = "global"

    @Option(help: "With --model: timed runs per batch size (the median is reported).")
    var runs = 10

    @Option(help: "With --model: time as onnxruntime's reference (ort_ref.py) does instead: three passes of at least this many samples per batch size, the fastest pass's rate reported (e.g. --samples 256).")
    var samples: Int?

    @Flag(help: "With --model: also print the time of each step of a forward (a layer, or a fused chain such as conv + batch norm + ReLU).")
    var layers = false

    /// The workload groups, in the order they run.
    static let allGroups = ["lenet300", "lenet5", "vgg", "resnet", "conv", "sparse", "language", "repl", "scorers"]

    func validate() throws {
        // A misspelt group would otherwise run nothing and exit 0.
        if let unknown = groups.first(where: { !Self.allGroups.contains($0) }) {
            throw ValidationError("unknown workload group '\(unknown)'; the groups are \(Self.allGroups.joined(separator: ", "))")
        }
        if model == nil {
            if prune != nil { throw ValidationError("--prune needs --model FILE") }
            if layers { throw ValidationError("--layers needs --model FILE") }
            return
        }
        if let r = prune, !(r > 0 && r < 1) {
            throw ValidationError("--prune \(r): give the fraction of channels to remove, strictly between 0 and 1, e.g. --prune 0.5")
        }
        if !groups.isEmpty { throw ValidationError("--model times one model; leave out the workload groups (\(groups.joined(separator: " ")))") }
        guard batchSizes != nil else { throw ValidationError("--batch '\(batch)': give sizes from 1 to 65536 separated by commas, e.g. --batch 1,32") }
        guard ["global", "local"].contains(scope) else { throw ValidationError("--scope '\(scope)': use global or local") }
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
        if let n = samples, n < 1 { throw ValidationError("--samples \(n): give at least 1 sample per pass, e.g. --samples 256") }
        if samples != nil && layers { throw ValidationError("--layers times steps over --runs; leave out --samples") }
        if layers && json { throw ValidationError("--layers prints a table for reading; leave out --json") }
    }

    var batchSizes: [Int]? {
        let sizes = batch.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !sizes.isEmpty, sizes.allSatisfy({ ($0 ?? 0) >= 1 && ($0 ?? 0) <= 65_536 }) else { return nil }
        return sizes.compactMap { $0 }
    }

    func run() throws {
        // A workload that fails (its data missing, a model that does not build) is a runtime
        // failure (70), not the generic status 1 an uncaught error would give.
        do { try model == nil ? runWorkloads() : runModel() } catch {
            FileHandle.standardError.write(Data("prn bench: \(error)\n".utf8))
            throw ExitCode(PrnExit.runtimeError)
        }
    }

    private func emit(_ r: BenchResult) {
        // Unbuffered: scripts read bench lines while the run goes on.
        FileHandle.standardOutput.write(Data(((json ? r.json : r.human) + "\n").utf8))
    }

    private func runModel() throws {
        guard let path = model, let sizes = batchSizes else { return }
        let options = ModelWorkloads.Options(path: path, batches: sizes, prune: prune, local: scope == "local", runs: runs, samplesPerPass: samples,
                                             layers: layers)
        try ModelWorkloads.run(options, emit: emit, note: { line in
            if !json { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
        })
    }

    private func runWorkloads() throws {
        let which = Set(groups.isEmpty ? Self.allGroups : groups)
        let emit: (BenchResult) -> Void = { r in
            // Unbuffered: scripts read bench lines while the run goes on.
            FileHandle.standardOutput.write(Data(((json ? r.json : r.human) + "\n").utf8))
        }
        for r in try EngineWorkloads.mnistModels(which) { emit(r) }
        if which.contains("vgg") { for r in try EngineWorkloads.vggSmall() { emit(r) } }
        if which.contains("resnet") { for r in try EngineWorkloads.resnet20() { emit(r) } }
        if which.contains("conv") { for r in ConvWorkloads.all() { emit(r) } }
        if which.contains("language") { emit(LanguageWorkloads.check1000()) }
        if which.contains("repl"), let r = ReplStartupBench.measure() { emit(r) }
        if which.contains("scorers") { for r in try ScorerWorkloads.all() { emit(r) } }
        if which.contains("sparse") { for r in try SparseWorkloads.all() { emit(r) } }
    }
}


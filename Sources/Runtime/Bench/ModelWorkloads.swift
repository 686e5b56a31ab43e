import Engine
import Foundation
import ONNX
import Pruning

/// `prn bench --model FILE --batch 1,32 [--prune RATIO]`: inference time of any model prn loads
/// (its own model file or ONNX), at each batch size, and optionally of the same model with a
/// fraction of its channels pruned, in the same process. Lines have the format of
/// `scripts/ort_ref.py`, so onnxruntime's timing of the same file reads side by side.
public enum ModelWorkloads {
    public struct Options: Sendable {
        public var path: String
        public var batches: [Int]
        /// Fraction of channels to prune (magnitude, L1 of each filter; the units of linear layers
        /// in a model without convolutions); nil times only the model.
        public var prune: Double?
        /// Prune the same fraction in every layer instead of one ranking across layers.
        public var local: Bool
        /// Timed forward passes per batch size (their median is reported), after one warm-up;
        /// fewer when they take more than `maxSeconds`.
        public var runs: Int
        /// Instead of the median of `runs`: three passes of at least this many samples, the
        /// fastest pass's mean (onnxruntime's reference, ort_ref.py, times so).
        public var samplesPerPass: Int?
        public var maxSeconds: Double
        /// Also time each step of the forward (StepTimes), handed to `note` as a table.
        public var layers: Bool

        public init(path: String, batches: [Int], prune: Double? = nil, local: Bool = false,
                    runs: Int = 10, samplesPerPass: Int? = nil, maxSeconds: Double = 10, layers: Bool = false) {
            self.path = path
            self.batches = batches
            self.prune = prune
            self.local = local
            self.runs = runs
            self.samplesPerPass = samplesPerPass
            self.maxSeconds = maxSeconds
            self.layers = layers
        }
    }

    /// Reads a prn model file (.safetensors) or an ONNX model; the ONNX output may have any shape,
    /// since the model is only run forward.
    public static func load(_ path: String) throws -> Model {
        let url = URL(fileURLWithPath: path)
        if url.pathExtension.lowercased() == "onnx" { return try ONNXImport.load(from: url, output: .anyShape) }
        guard url.pathExtension.lowercased() == "safetensors" else {
            throw BenchError("\(path): --model takes a prn model file (.safetensors) or an ONNX model (.onnx)")
        }
        guard FileManager.default.fileExists(atPath: url.path) else { throw BenchError("\(path): file not found; check the path") }
        return try ModelFile.load(from: url).model
    }

    /// Runs the timings, handing each line to `emit` as it is measured; `note` receives the
    /// pruning summary.
    public static func run(_ o: Options, emit: (BenchResult) -> Void, note: (String) -> Void = { _ in }) throws {
        guard !o.batches.isEmpty, o.batches.allSatisfy({ $0 >= 1 && $0 <= 65_536 }) else {
            throw BenchError("--batch takes sizes from 1 to 65536, e.g. --batch 1,32")
        }
        if let r = o.prune, !(r > 0 && r < 1) {
            throw BenchError("--prune \(r): give the fraction of channels to remove, strictly between 0 and 1, e.g. --prune 0.5")
        }
        let model = try load(o.path)
        try checkMemory(model, batches: o.batches)
        let name = URL(fileURLWithPath: o.path).deletingPathExtension().lastPathComponent
        var dense: [Int: Double] = [:]
        for b in o.batches {
            let ms = try time(model, batch: b, o)
            dense[b] = ms
            emit(result(name, batch: b, ms: ms))
            if o.layers { steps(model, name, batch: b, o, note: note) }
        }
        guard let ratio = o.prune else { return }
        // Convolution filters where the model has them, else the units of its linear layers.
        let granularity: Granularity = model.nodes.contains { $0.layer is Conv2d } ? .channels : .neurons
        let scores = try MagnitudeScorer().score(model, data: nil, options: ScoreOptions(granularity: granularity))
        let report = try Pruner.prune(model, scores: scores, request: PruneRequest(amount: .ratio(ratio), scope: o.local ? .local : .global))
        note(report.summary)
        let tag = "\(name)-pruned\(Int((ratio * 100).rounded()))-\(o.local ? "local" : "global")"
        for b in o.batches {
            let ms = try time(model, batch: b, o)
            var r = result(tag, batch: b, ms: ms)
            if let before = dense[b] { r.extra["speedup"] = before / ms }
            emit(r)
            if o.layers { steps(model, tag, batch: b, o, note: note) }
        }
    }

    static func steps(_ model: Model, _ name: String, batch: Int, _ o: Options, note: (String) -> Void) {
        let timing = StepTimes.measure(model, batch: batch, runs: o.runs)
        for line in StepTimes.table(model, timing, title: "\(name) batch \(batch)") { note(line) }
    }

    static func result(_ name: String, batch: Int, ms: Double) -> BenchResult {
        BenchResult("\(name)-batch\(batch)-infer", samplesPerSecond: Double(batch) / (ms / 1000), extra: ["ms_per_batch": ms])
    }

    /// Milliseconds of one forward pass of `batch` random samples: the median of `runs`, or the
    /// mean within the fastest of three passes of `samplesPerPass` samples.
    static func time(_ model: Model, batch: Int, _ o: Options) throws -> Double {
        if let samples = o.samplesPerPass {
            return try Pruning.Latency.fastestPass(model, batch: batch, samples: samples, passes: 3)
        }
        return try Pruning.Latency.measure(model, LatencyOptions(batch: batch, runs: o.runs, warmup: 1, maxSeconds: o.maxSeconds))
    }

    /// A batch the memory budget cannot hold is refused before it is allocated.
    static func checkMemory(_ model: Model, batches: [Int]) throws {
        let perSample = try InternalBatch.activationBytesPerSample(model)
        let budget = EnvironmentSettings.memoryBudgetBytes()
        for b in batches where Double(b) * perSample > budget {
            throw BenchError(String(format: "--batch %d needs about %.1f GB for the activations (%.0f MB per sample), more than the %.1f GB budget; use a smaller batch or raise PRN_MEMORY_GB",
                                    b, Double(b) * perSample / 1e9, perSample / 1e6, budget / 1e9))
        }
    }
}

/// A bench option that cannot be used, with what to do instead.
public struct BenchError: Error, CustomStringConvertible {
    public let description: String
    init(_ message: String) { description = message }
}

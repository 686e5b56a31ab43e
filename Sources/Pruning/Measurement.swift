import Engine
import Foundation

/// One linear/conv layer as it is now: width, parameters, zeros and multiply-accumulates.
public struct LayerMeasurement: Sendable, Codable, Equatable {
    public var name: String
    public var kind: String
    /// Output units (linear) or channels (conv).
    public var width: Int
    /// Weights and bias.
    public var parameters: Int
    public var nonZero: Int
    /// Weights only (what unstructured pruning masks).
    public var weights: Int
    public var nonZeroWeights: Int
    /// Per sample, ignoring zeros.
    public var macsDense: Int
    /// Per sample, counting only non-zero weights (each used once per output position).
    public var macsEffective: Int
    public var sparsity: Double { weights == 0 ? 0 : 1 - Double(nonZeroWeights) / Double(weights) }
}

/// A model's size and speed at one moment. FLOPs are 2 x multiply-accumulates (one multiply and
/// one add), counted for conv and linear layers per sample.
public struct ModelMeasurement: Sendable, Codable, Equatable {
    public var parameters: Int
    public var nonZeroParameters: Int
    public var macsDense: Int
    public var macsEffective: Int
    public var flopsDense: Int
    public var flopsEffective: Int
    public var layers: [LayerMeasurement]
    /// Median milliseconds per forward pass of `latencyBatch` samples (eval mode), if measured.
    public var latencyMs: Double?
    public var latencyBatch: Int?

    public var sparsity: Double { parameters == 0 ? 0 : 1 - Double(nonZeroParameters) / Double(parameters) }

    public static func measure(_ model: Model, latency: LatencyOptions? = nil) throws -> ModelMeasurement {
        let shapes = try model.shapes()
        var layers = [LayerMeasurement]()
        for i in model.nodes.indices.dropFirst() {
            guard let layer = model.nodes[i].layer else { continue }
            let weight: Parameter, width: Int
            if let l = layer as? Linear { weight = l.weight; width = l.outFeatures }
            else if let c = layer as? Conv2d { weight = c.weight; width = c.outChannels }
            else if let c = layer as? GeneralConv2d { weight = c.weight; width = c.outChannels }
            else { continue }
            let params = layer.parameters.filter(\.trainable)
            let macs = layer.macs(model.nodes[i].inputs.map { shapes[$0] })
            let nzw = weight.nonZeroCount
            layers.append(LayerMeasurement(
                name: model.nodes[i].name, kind: layer.kind, width: width,
                parameters: params.reduce(0) { $0 + $1.value.count },
                nonZero: params.reduce(0) { $0 + $1.nonZeroCount },
                weights: weight.value.count, nonZeroWeights: nzw, macsDense: macs,
                macsEffective: weight.value.count == 0 ? 0 : Int((Double(macs) * Double(nzw) / Double(weight.value.count)).rounded())))
        }
        let trainable = model.trainableParameters
        let macsDense = try model.macs()
        // Layers other than linear/conv (batch norms, pools) count the same dense or sparse.
        let other = macsDense - layers.reduce(0) { $0 + $1.macsDense }
        let macsEffective = other + layers.reduce(0) { $0 + $1.macsEffective }
        var m = ModelMeasurement(parameters: trainable.reduce(0) { $0 + $1.value.count },
                                 nonZeroParameters: trainable.reduce(0) { $0 + $1.nonZeroCount },
                                 macsDense: macsDense, macsEffective: macsEffective,
                                 flopsDense: 2 * macsDense, flopsEffective: 2 * macsEffective,
                                 layers: layers, latencyMs: nil, latencyBatch: nil)
        if let latency {
            m.latencyMs = try Latency.measure(model, latency)
            m.latencyBatch = latency.batch
        }
        return m
    }
}

public struct LatencyOptions: Sendable, Equatable {
    public var batch: Int
    public var runs: Int
    public var warmup: Int
    /// The timed runs stop once they have taken this long (after at least one), so a probe of a
    /// large network costs seconds, not minutes.
    public var maxSeconds: Double
    /// Polled between forward passes: a requested stop ends the probe.
    public var cancellation: CancellationFlag?

    public static func == (a: LatencyOptions, b: LatencyOptions) -> Bool {
        (a.batch, a.runs, a.warmup, a.maxSeconds) == (b.batch, b.runs, b.warmup, b.maxSeconds)
    }
    public init(batch: Int = 256, runs: Int = 5, warmup: Int = 1, maxSeconds: Double = 5) {
        self.batch = batch
        self.runs = runs
        self.warmup = warmup
        self.maxSeconds = maxSeconds
    }

    /// The options for `model`: batch 256, or fewer where 256 samples' activations would not fit
    /// the internal-batch budget (`InternalBatch`); the same batch must time the model before and
    /// after pruning, so callers size it once, from the unpruned model.
    public static func bounded(for model: Model, preferred: Int = 256, budget: Double = InternalBatch.budgetBytes()) -> LatencyOptions {
        LatencyOptions(batch: InternalBatch.size(for: model, preferred: preferred, budget: budget))
    }
}

/// Wall-clock inference time: the median of a few timed forward passes on a seeded random batch
/// (the median resists the odd run slowed by other processes). The passes form one evaluation
/// pass (`SparseInference.withWeightsFixed`), as a deployed model's weights are fixed: what a
/// layer derives from its weight (CSR form, Winograd transform) is checked on the warm-up and
/// reused, as onnxruntime prepares its weights once per session.
public enum Latency {
    public static func measure(_ model: Model, _ o: LatencyOptions) throws -> Double {
        try SparseInference.withWeightsFixed { try timedPasses(model, o) }
    }

    private static func timedPasses(_ model: Model, _ o: LatencyOptions) throws -> Double {
        guard o.batch >= 1, o.runs >= 1, o.warmup >= 0 else {
            throw PruningError(.badOption, "latency: batch=\(o.batch) and runs=\(o.runs) must be at least 1 and warmup=\(o.warmup) at least 0")
        }
        let x = input(for: model, batch: o.batch)
        for _ in 0..<o.warmup {
            try o.cancellation?.check("the latency probe")
            _ = model.forward(x, mode: .eval)
        }
        var times = [Double]()
        let began = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<o.runs {
            try o.cancellation?.check("the latency probe")
            let start = DispatchTime.now().uptimeNanoseconds
            _ = model.forward(x, mode: .eval)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            if Double(DispatchTime.now().uptimeNanoseconds - began) / 1e9 >= o.maxSeconds { break }
        }
        return median(times)
    }

    /// Milliseconds per forward pass of `batch` samples, timed as onnxruntime's reference
    /// (ort_ref.py) times its sessions: one warm-up forward, then `passes` passes of forwards until
    /// at least `samples` samples, each pass's mean, the fastest pass reported. Comparing prn with
    /// that reference on the same protocol keeps the statistic and the warm-up out of the ratio.
    public static func fastestPass(_ model: Model, batch: Int, samples: Int, passes: Int) throws -> Double {
        guard batch >= 1, samples >= 1, passes >= 1 else {
            throw PruningError(.badOption, "latency: batch=\(batch), samples=\(samples) and passes=\(passes) must be at least 1")
        }
        return SparseInference.withWeightsFixed {
            let x = input(for: model, batch: batch)
            _ = model.forward(x, mode: .eval)
            var best = Double.infinity
            for _ in 0..<passes {
                var done = 0
                let start = DispatchTime.now().uptimeNanoseconds
                while done < samples {
                    _ = model.forward(x, mode: .eval)
                    done += batch
                }
                let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
                best = Swift.min(best, ms / Double(done / batch))
            }
            return best
        }
    }

    /// The seeded random batch the timings run on (the same for every timing of a model).
    public static func input(for model: Model, batch: Int) -> Tensor {
        let x = Tensor(shape: [batch] + model.inputShape, zeroed: false)
        var rng = RandomStream(seed: 0, stream: "latency.input")
        for i in 0..<x.count { x[i] = rng.normal() }
        return x
    }

    /// The middle value (the mean of the two middle ones for an even count); `times` not empty.
    public static func median(_ times: [Double]) -> Double {
        let t = times.sorted()
        return t.count % 2 == 1 ? t[t.count / 2] : (t[t.count / 2 - 1] + t[t.count / 2]) / 2
    }
}

import Engine
import Foundation
import Pruning

/// Sparse against dense inference of one pruned LeNet-300-100 at batch 1 and batch 256, the two
/// ends where the kernel choice (SparseKernelChoice) must never lose to the dense kernels.
///
/// The network is trained one epoch, then pruned by global weight magnitude (unstructured) to
/// 90% and to 95% sparsity, each from the same trained weights. Both sides run the same masked
/// model; only its `EngineConfiguration.sparseInference` differs (`.off` is the dense original's
/// speed: sgemm does not look at zeros). The machine may be shared, so the two sides alternate
/// within every round and each round gives one ratio (dense time / sparse time); the line
/// carries the median ratio and the lowest and highest of the rounds, and the median ratio of
/// processor time (`cpu_speedup`: all threads, a worker's spinning included), which a busy
/// machine disturbs less than wall time.
public enum SparseBatchWorkloads {
    public static func lenet300(sparsities: [Double] = [0.9, 0.95], batches: [Int] = [1, 256],
                                rounds: Int = 9) throws -> [BenchResult] {
        let data = try EngineWorkloads.mnist()
        let model = try Zoo.build("lenet300", ZooOptions(inputShape: data.train.sampleShape, classes: 10, seed: 0))
        _ = try EngineWorkloads.trainEpoch(model, data.train, batch: 128, lr: 0.1)
        let trained = model.trainableParameters.map { $0.value.copy() }
        var out: [BenchResult] = []
        for sparsity in sparsities {
            for (p, v) in zip(model.trainableParameters, trained) {
                p.mask = nil
                p.value.data.update(from: v.data, count: v.count)
            }
            let scores = try MagnitudeScorer().score(model, data: nil, options: ScoreOptions())
            try Pruner.prune(model, scores: scores, request: PruneRequest(amount: .ratio(sparsity), scope: .global))
            for batch in batches {
                let inputs = try batchesOf(batch, from: data.test, samples: batch == 1 ? 2_000 : data.test.count)
                let r = compare(model, inputs, rounds: rounds)
                let name = "lenet300-sparse\(Int((sparsity * 100).rounded()))-b\(batch)-mnist-infer"
                out.append(BenchResult(name, samplesPerSecond: r.sparseSamplesPerSecond,
                                       extra: ["speedup": r.median, "speedup_min": r.low, "speedup_max": r.high, "cpu_speedup": r.cpuMedian,
                                               "dense_samples_per_s": r.denseSamplesPerSecond]))
            }
        }
        return out
    }

    /// The first `samples` test images as separate batches of `size` (copies, so a pass times the
    /// network and not the data loader).
    static func batchesOf(_ size: Int, from data: Dataset, samples: Int) throws -> [Tensor] {
        let n = min(samples, data.count), item = data.sampleSize
        return stride(from: 0, to: n, by: size).map { start in
            let count = min(size, n - start)
            let t = Tensor(shape: [count] + data.sampleShape)
            t.data.update(from: data.samples.data + start * item, count: count * item)
            return t
        }
    }

    struct Ratio {
        var median: Double, low: Double, high: Double
        /// Median of the rounds' ratios of processor time (all threads, spinning included).
        var cpuMedian: Double
        var sparseSamplesPerSecond: Double, denseSamplesPerSecond: Double
    }

    /// `rounds` rounds of one dense pass and one sparse pass over `inputs` (which goes first
    /// alternates), each pass one evaluation pass (`SparseInference.withWeightsFixed`, as
    /// `Evaluator` runs them).
    static func compare(_ model: Model, _ inputs: [Tensor], rounds: Int) -> Ratio {
        let samples = Double(inputs.reduce(0) { $0 + $1.shape[0] })
        var cpu = [0.0, 0.0], cpuRatios: [Double] = []
        func pass(_ policy: SparseInferencePolicy) -> Double {
            model.configuration.sparseInference = policy
            let c0 = processCPUSeconds()
            let wall = timed { SparseInference.withWeightsFixed { for x in inputs { _ = model.forward(x, mode: .eval) } } }
            cpu[policy.enabled ? 1 : 0] = processCPUSeconds() - c0
            return wall
        }
        let saved = model.configuration
        defer { model.configuration = saved }
        _ = pass(.off); _ = pass(saved.sparseInference)  // warm-up: caches, compressed weights, threads
        var ratios: [Double] = [], bestSparse = Double.infinity, bestDense = Double.infinity
        for round in 0..<rounds {
            let dense: Double, sparse: Double
            if round % 2 == 0 {
                dense = pass(.off); sparse = pass(saved.sparseInference)
            } else {
                sparse = pass(saved.sparseInference); dense = pass(.off)
            }
            ratios.append(dense / sparse)
            cpuRatios.append(cpu[0] / cpu[1])
            bestSparse = min(bestSparse, sparse); bestDense = min(bestDense, dense)
        }
        ratios.sort()
        cpuRatios.sort()
        return Ratio(median: ratios[ratios.count / 2], low: ratios.first!, high: ratios.last!, cpuMedian: cpuRatios[cpuRatios.count / 2],
                     sparseSamplesPerSecond: samples / bestSparse, denseSamplesPerSecond: samples / bestDense)
    }
}

/// Processor time of the whole process so far (every thread), in seconds.
func processCPUSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

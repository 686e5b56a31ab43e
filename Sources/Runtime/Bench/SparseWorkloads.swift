import Engine
import Foundation
import Pruning

/// Sparse inference: LeNet-300-100 with 95% of its weights pruned by magnitude (unstructured,
/// global) against the same network dense, in one run; the same at 90% and 95% for batches of 1
/// and 256 (SparseBatchWorkloads); every Linear kernel against the cost model that chooses
/// between them and the weight fingerprint (SparseKernelSweep); and a sweep of single layers over weight density, CSR
/// against dense (the source of the convolutions' `SparseInferencePolicy.densityThreshold`).
public enum SparseWorkloads {
    public static func all() throws -> [BenchResult] {
        try lenet300() + SparseBatchWorkloads.lenet300() + SparseKernelSweep.linear() + SparseKernelSweep.fingerprint() + layerSweep()
    }

    /// Trains one epoch (so magnitudes mean something), measures dense inference, prunes 95% by
    /// magnitude and measures again; the sparse line carries the speed-up over the dense one.
    public static func lenet300() throws -> [BenchResult] {
        let data = try EngineWorkloads.mnist()
        let model = try Zoo.build("lenet300", ZooOptions(inputShape: data.train.sampleShape, classes: 10, seed: 0))
        _ = try EngineWorkloads.trainEpoch(model, data.train, batch: 128, lr: 0.1)
        let denseAcc = try Evaluator.evaluate(model, on: data.test).top1
        let dense = EngineWorkloads.infer(model, data.test, reps: 5)

        let scores = try MagnitudeScorer().score(model, data: nil, options: ScoreOptions())
        try Pruner.prune(model, scores: scores, request: PruneRequest(amount: .ratio(0.95), scope: .global))
        let sparseAcc = try Evaluator.evaluate(model, on: data.test).top1
        let sparse = EngineWorkloads.infer(model, data.test, reps: 5)
        let weights = model.nodes.compactMap { $0.layer as? Linear }.map(\.weight)
        let kept = weights.reduce(0) { $0 + $1.nonZeroCount }, total = weights.reduce(0) { $0 + $1.value.count }
        return [
            BenchResult("lenet300-mnist-infer", samplesPerSecond: dense, extra: ["test_acc": denseAcc]),
            BenchResult("lenet300-sparse95-mnist-infer", samplesPerSecond: sparse,
                        extra: ["test_acc": sparseAcc, "density": Double(kept) / Double(total), "speedup": sparse / dense]),
        ]
    }

    /// One Linear 784->300 (batch 256), a classifier head Linear 100->10 (batch 256) and one 3x3
    /// Conv 64->64 on 16x16 (batch 32), each with a random mask at several densities: CSR forward
    /// time against the dense kernel's.
    public static func layerSweep(densities: [Double] = [0.05, 0.1, 0.2, 0.3, 0.4, 0.6]) throws -> [BenchResult] {
        var out: [BenchResult] = []
        for d in densities {
            let fc = Linear(784, 300)
            var rng = RandomStream(seed: 0, stream: "sparse-bench")
            fc.initialize(&rng)
            mask(fc.weight, density: d, &rng)
            let x = randomInput([256, 784], &rng)
            out.append(compare("sparse-linear784x300-d\(percent(d))", batch: 256, d) { _ = fc.forward([x], mode: .eval, configuration: $0) })
            let head = Linear(100, 10)
            head.initialize(&rng)
            mask(head.weight, density: d, &rng)
            let xh = randomInput([256, 100], &rng)
            out.append(compare("sparse-linear100x10-d\(percent(d))", batch: 256, d) { _ = head.forward([xh], mode: .eval, configuration: $0) })
            let conv = Conv2d(64, 64, kernel: 3, padding: 1)
            conv.initialize(&rng)
            mask(conv.weight, density: d, &rng)
            let xc = randomInput([32, 64, 16, 16], &rng)
            out.append(compare("sparse-conv64x64k3-d\(percent(d))", batch: 32, d) { _ = conv.forward([xc], mode: .eval, configuration: $0) })
        }
        return out
    }

    static func percent(_ d: Double) -> String { String(format: "%02d", Int((d * 100).rounded())) }

    /// Keeps each weight with probability `density` (the mask that marks unstructured pruning).
    static func mask(_ p: Parameter, density: Double, _ rng: inout RandomStream) {
        let m = Tensor(shape: p.value.shape)
        for i in 0..<m.count { m[i] = Double(rng.uniform()) < density ? 1 : 0 }
        p.mask = m
        p.applyMask()
    }

    static func randomInput(_ shape: [Int], _ rng: inout RandomStream) -> Tensor {
        let t = Tensor(shape: shape)
        for i in 0..<t.count { t[i] = rng.uniform(-1, 1) }
        return t
    }

    /// Best of several timed repetitions with the sparse kernels at every density, then off.
    static func compare(_ name: String, batch: Int, _ density: Double,
                        _ forward: (EngineConfiguration) -> Void) -> BenchResult {
        func best(_ configuration: EngineConfiguration) -> Double {
            forward(configuration)
            var t = Double.infinity
            for _ in 0..<5 { t = min(t, timed { for _ in 0..<10 { forward(configuration) } } / 10) }
            return t
        }
        let sparse = best(EngineConfiguration(sparseInference: .always))
        let dense = best(EngineConfiguration(sparseInference: .off))
        return BenchResult(name, samplesPerSecond: Double(batch) / sparse,
                           extra: ["density": density, "speedup": dense / sparse])
    }
}

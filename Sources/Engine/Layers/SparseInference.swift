import CKernels

/// Evaluation passes of the compressed (CSR) kernels; when they run is `SparseInferencePolicy`
/// in the model's `EngineConfiguration`.
public enum SparseInference {
    /// The evaluation pass running now, if any (see `withWeightsFixed`).
    nonisolated(unsafe) static var currentPass: Int?
    nonisolated(unsafe) private static var passes = 0

    /// Runs `body` as one pass in which no weight changes (an evaluation loop): each layer then
    /// checks its weight against its compressed copy on the first batch only, instead of on
    /// every batch. Nested calls join the outer pass.
    public static func withWeightsFixed<T>(_ body: () throws -> T) rethrows -> T {
        if currentPass != nil { return try body() }
        passes += 1
        currentPass = passes
        defer { currentPass = nil }
        return try body()
    }
}

/// A layer's compressed weight, rebuilt whenever the weight's contents change.
///
/// Weights change outside training too (pruning writes masks and zeroes values, loading copies
/// values in place), so the cache is keyed by a fingerprint of the weight's bits rather than by
/// training steps. The fingerprint is one vectorised pass over the weight: for a batch of B
/// samples it costs about 1/B of the dense product, and inside an evaluation pass
/// (`SparseInference.withWeightsFixed`) it is taken on the first batch only.
final class SparseWeightCache {
    private var key: WeightFingerprint?
    /// The policy `matrix` was decided under: another policy decides again.
    private var keyPolicy: SparseInferencePolicy?
    private var matrix: SparseMatrix?
    /// The evaluation pass in which `key` was last compared with the weight.
    private var checkedInPass: Int?

    /// The CSR form of `weight` viewed as [rows, count/rows], or nil when the dense kernel should
    /// run (no mask, sparse kernels off, or too dense to gain).
    func matrix(for weight: Parameter, rows: Int, linear: Bool = false, policy: SparseInferencePolicy) -> SparseMatrix? {
        guard policy.enabled, weight.mask != nil, rows > 0 else { return nil }
        let value = weight.value
        let pass = SparseInference.currentPass
        if let pass, checkedInPass == pass, key != nil, keyPolicy == policy { return matrix }
        checkedInPass = pass
        let print = WeightFingerprint(value)
        if let key, key == print, keyPolicy == policy { return matrix }
        key = print
        keyPolicy = policy
        let columns = value.count / rows
        let nnz = SparseMatrix.nonZeroCount(value.data, count: value.count)
        let density = Double(nnz) / Double(Swift.max(1, value.count))
        matrix = density < policy.threshold(weights: value.count, linear: linear)
            ? SparseMatrix(dense: value.data, rows: rows, columns: columns, nonZeroCount: nnz) : nil
        return matrix
    }

    func reset() { key = nil; keyPolicy = nil; matrix = nil; checkedInPass = nil }
}

/// Count plus two position-weighted sums of a tensor's bit patterns (wrapping arithmetic).
struct WeightFingerprint: Equatable {
    let count: Int
    let plain: UInt32
    let weighted: UInt32

    init(_ t: Tensor) {
        count = t.count
        var a: UInt32 = 0, b: UInt32 = 0
        t.data.withMemoryRebound(to: UInt32.self, capacity: t.count) { prn_fingerprint($0, t.count, &a, &b) }
        plain = a
        weighted = b
    }
}

/// The eval-mode CSR forward of a Linear layer: y[B, out] = x[B, in] * W^T + b. The kernel
/// takes samples in panels of 16, so each nonzero weight is one vector multiply-add over a
/// panel (SparseMatrix.linear); panels are split across threads.
final class SparseLinearForward {
    let cache = SparseWeightCache()

    /// Fills `y` and returns true when the sparse kernel ran; false means run the dense one.
    func run(weight: Parameter, bias: Parameter?, x: Tensor, y: Tensor, configuration: EngineConfiguration) -> Bool {
        let out = weight.value.shape[0], batch = x.shape[0]
        guard batch > 0, let a = cache.matrix(for: weight, rows: out, linear: true, policy: configuration.sparseInference)
        else { return false }
        let panel = SparseMatrix.linearPanel, panels = (batch + panel - 1) / panel
        let xp = x.data, yp = y.data, bp = bias.map { UnsafePointer($0.value.data) }
        Parallel.chunks(panels, threads: configuration.threads) { r in
            a.linear(bias: bp, x: xp, y: yp, samples: r.lowerBound * panel..<Swift.min(batch, r.upperBound * panel))
        }
        return true
    }

    func reset() { cache.reset() }
}

import CKernels

/// Compressed (CSR) kernels for unstructured pruning at inference time.
///
/// Linear and Conv2d switch to a CSR form of their weight in eval mode when the weight carries a
/// pruning mask and the fraction of nonzero weights is below `densityThreshold`. Training always
/// runs the dense masked weights (gradients are dense anyway). The threshold comes from the layer
/// sweep of `prn bench sparse` (docs/interop.md): on 2 cores the CSR kernels beat OpenBLAS sgemm
/// up to about 28% density for Linear 784x300 and 30% for a 3x3 Conv 64x64; 0.25 stays below
/// both. Small linear layers (a classifier head) take the CSR kernel up to
/// `smallLinearDensityThreshold`: their product is so short that handing it to BLAS, whose
/// threads must be woken, costs more than the multiply-adds themselves.
public enum SparseInference {
    /// Nonzero fraction below which eval-mode forwards use the CSR kernels.
    public nonisolated(unsafe) static var densityThreshold: Double = 0.25
    /// Linear weights with at most this many entries count as small.
    public nonisolated(unsafe) static var smallLinearWeights = 16_384
    /// Nonzero fraction below which small linear layers use the CSR kernel.
    public nonisolated(unsafe) static var smallLinearDensityThreshold: Double = 0.5
    /// Off: always the dense kernels (a reference for tests and benchmarks).
    public nonisolated(unsafe) static var enabled = true

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

    /// The density below which a weight of `count` entries runs compressed.
    static func threshold(weights count: Int, linear: Bool) -> Double {
        linear && count <= smallLinearWeights ? Swift.max(densityThreshold, smallLinearDensityThreshold) : densityThreshold
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
    private var matrix: SparseMatrix?
    /// The evaluation pass in which `key` was last compared with the weight.
    private var checkedInPass: Int?

    /// The CSR form of `weight` viewed as [rows, count/rows], or nil when the dense kernel should
    /// run (no mask, sparse kernels off, or too dense to gain).
    func matrix(for weight: Parameter, rows: Int, linear: Bool = false) -> SparseMatrix? {
        guard SparseInference.enabled, weight.mask != nil, rows > 0 else { return nil }
        let value = weight.value
        let pass = SparseInference.currentPass
        if let pass, checkedInPass == pass, key != nil { return matrix }
        checkedInPass = pass
        let print = WeightFingerprint(value)
        if let key, key == print { return matrix }
        key = print
        let columns = value.count / rows
        let nnz = SparseMatrix.nonZeroCount(value.data, count: value.count)
        let density = Double(nnz) / Double(Swift.max(1, value.count))
        matrix = density < SparseInference.threshold(weights: value.count, linear: linear)
            ? SparseMatrix(dense: value.data, rows: rows, columns: columns, nonZeroCount: nnz) : nil
        return matrix
    }

    func reset() { key = nil; matrix = nil; checkedInPass = nil }
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
    func run(weight: Parameter, bias: Parameter?, x: Tensor, y: Tensor) -> Bool {
        let out = weight.value.shape[0], batch = x.shape[0]
        guard batch > 0, let a = cache.matrix(for: weight, rows: out, linear: true) else { return false }
        let panel = SparseMatrix.linearPanel, panels = (batch + panel - 1) / panel
        let xp = x.data, yp = y.data, bp = bias.map { UnsafePointer($0.value.data) }
        Parallel.chunks(panels) { r in
            a.linear(bias: bp, x: xp, y: yp, samples: r.lowerBound * panel..<Swift.min(batch, r.upperBound * panel))
        }
        return true
    }

    func reset() { cache.reset() }
}

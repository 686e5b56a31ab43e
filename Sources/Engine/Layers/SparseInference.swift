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
/// (`SparseInference.withWeightsFixed`) it is taken on the first batch only. The nonzero count
/// is kept with the fingerprint; the CSR form is built when a kernel first asks for it.
final class SparseWeightCache {
    private var key: WeightFingerprint?
    /// Nonzeros of the weight `key` was taken of.
    private(set) var nonZeroCount: Int?
    private var matrix: SparseMatrix?
    /// The evaluation pass in which `key` was last compared with the weight.
    private var checkedInPass: Int?

    /// Whether `refresh` would take a fingerprint (a forward outside an evaluation pass, or the
    /// first of a pass).
    var needsCheck: Bool {
        guard let pass = SparseInference.currentPass else { return true }
        return checkedInPass != pass || key == nil
    }

    /// Brings the cache up to date with `weight` and returns its nonzero count.
    @discardableResult
    func refresh(_ weight: Parameter) -> Int {
        if !needsCheck, let n = nonZeroCount { return n }
        checkedInPass = SparseInference.currentPass
        let value = weight.value
        let print = WeightFingerprint(value)
        if key == print, let n = nonZeroCount { return n }
        key = print
        matrix = nil
        let n = SparseMatrix.nonZeroCount(value.data, count: value.count)
        nonZeroCount = n
        return n
    }

    /// The CSR form of the weight last refreshed (call `refresh` first), viewed as [rows, count/rows].
    func compressed(_ weight: Parameter, rows: Int) -> SparseMatrix {
        if let matrix, matrix.rows == rows { return matrix }
        let value = weight.value
        let m = SparseMatrix(dense: value.data, rows: rows, columns: value.count / rows,
                             nonZeroCount: nonZeroCount ?? refresh(weight))
        matrix = m
        return m
    }

    /// For convolutions: the CSR form of `weight` viewed as [rows, count/rows], or nil when the
    /// dense kernel should run (no mask, sparse kernels off, or density at the policy's threshold
    /// or above).
    func matrix(for weight: Parameter, rows: Int, policy: SparseInferencePolicy) -> SparseMatrix? {
        guard policy.enabled, weight.mask != nil, rows > 0 else { return nil }
        let nnz = refresh(weight)
        let density = Double(nnz) / Double(Swift.max(1, weight.value.count))
        return density < policy.densityThreshold ? compressed(weight, rows: rows) : nil
    }

    func reset() { key = nil; nonZeroCount = nil; matrix = nil; checkedInPass = nil }
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

/// The eval-mode forward of a masked Linear layer, y[B, out] = x[B, in] * W^T + b, on the kernel
/// `LinearKernelCost` expects to be fastest for this weight and batch: dense sgemm (the caller's
/// path), CSR rows (SparseMatrix.linearRows: a few samples) or CSR panels of 16 samples
/// (SparseMatrix.linear: many samples).
final class SparseLinearForward {
    let cache = SparseWeightCache()
    /// The kernel the last forward ran (tests read it).
    private(set) var lastKernel: LinearKernel?

    /// Fills `y` and returns true when a sparse kernel ran; false means run the dense one.
    func run(weight: Parameter, bias: Parameter?, x: Tensor, y: Tensor, configuration: EngineConfiguration) -> Bool {
        let kernel = choose(weight: weight, batch: x.shape[0], policy: configuration.sparseInference)
        lastKernel = kernel
        guard kernel != .dense else { return false }
        let out = weight.value.shape[0], batch = x.shape[0]
        let a = cache.compressed(weight, rows: out)
        let cost = LinearKernelCost(rows: out, columns: a.columns, nonZeros: a.nonZeroCount, batch: batch)
        let xp = x.data, yp = y.data, bp = bias.map { UnsafePointer($0.value.data) }
        if kernel == .csrRows {
            // A few samples: one thread unless the work is large (one sample splits over rows).
            if cost.nanoseconds(kernel) < LinearKernelCost.parallelWork || configuration.threads == 1 {
                a.linearRows(bias: bp, x: xp, y: yp, samples: 0..<batch, rows: 0..<out)
            } else if batch == 1 {
                Parallel.chunks(out, threads: configuration.threads) { r in a.linearRows(bias: bp, x: xp, y: yp, samples: 0..<1, rows: r) }
            } else {
                Parallel.chunks(batch, threads: configuration.threads) { r in a.linearRows(bias: bp, x: xp, y: yp, samples: r, rows: 0..<out) }
            }
        } else {
            let panels = (batch + SparseMatrix.linearPanel - 1) / SparseMatrix.linearPanel
            let threads = Swift.min(panels, configuration.threads)
            if threads == 1 || cost.nanoseconds(kernel) < LinearKernelCost.panelsParallelWork {
                a.linear(bias: bp, x: xp, y: yp, samples: 0..<batch)
            } else {
                let next = UnsafeMutablePointer<Int>.allocate(capacity: 1)
                next.initialize(to: 0)
                defer { next.deallocate() }
                Parallel.chunks(threads, threads: threads) { _ in a.linearShared(bias: bp, x: xp, y: yp, samples: batch, nextPanel: next) }
            }
        }
        return true
    }

    /// The kernel for a forward of `batch` samples. Outside an evaluation pass a sparse kernel
    /// must first fingerprint the weight, which at a batch of one costs about as much as the
    /// dense product; when the count of nonzeros seen last says the sparse kernels lose even so,
    /// the dense kernel runs without looking (it is right whatever the weight holds now).
    func choose(weight: Parameter, batch: Int, policy: SparseInferencePolicy) -> LinearKernel {
        let out = weight.value.shape[0], columns = weight.value.count / Swift.max(1, out)
        guard policy.enabled, weight.mask != nil, batch > 0, out > 0, columns > 0 else { return .dense }
        // Inside an evaluation pass the check is made once for the whole pass, so it never decides.
        if SparseInference.currentPass == nil, let last = cache.nonZeroCount {
            let guess = LinearKernelCost(rows: out, columns: columns, nonZeros: last, batch: batch)
            if guess.choose(from: policy.linearKernels, sparseOverhead: guess.fingerprintNanoseconds) == .dense { return .dense }
        }
        let nnz = cache.refresh(weight)
        return LinearKernelCost(rows: out, columns: columns, nonZeros: nnz, batch: batch).choose(from: policy.linearKernels)
    }

    func reset() { cache.reset(); lastKernel = nil }
}

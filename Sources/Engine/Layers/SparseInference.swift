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

/// A layer's compressed weight, rebuilt whenever the weight's contents change
/// (`WeightChangeDetector`). The nonzero count is kept with the fingerprint; the CSR form is
/// built when a kernel first asks for it.
final class SparseWeightCache {
    private var detector = WeightChangeDetector()
    /// Nonzeros of the weight the detector last looked at.
    private(set) var nonZeroCount: Int?
    private var matrix: SparseMatrix?

    /// Brings the cache up to date with `weight` and returns its nonzero count.
    @discardableResult
    func refresh(_ weight: Parameter) -> Int {
        if !detector.changed(weight.value), let n = nonZeroCount { return n }
        matrix = nil
        let n = SparseMatrix.nonZeroCount(weight.value.data, count: weight.value.count)
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

    func reset() { detector.reset(); nonZeroCount = nil; matrix = nil }
}

/// The eval-mode forward of a masked Linear layer, y[B, out] = x[B, in] * W^T + b, on the kernel
/// `LinearKernelCost` expects to be fastest for this weight and batch: dense sgemm (the caller's
/// path), CSR rows (SparseMatrix.linearRows: a few samples) or CSR panels of 16 samples
/// (SparseMatrix.linear: many samples).
final class SparseLinearForward {
    let cache = SparseWeightCache()
    /// The kernel the last forward ran (tests read it).
    private(set) var lastKernel: LinearKernel?

    /// Fills `y` (max(., 0) of every output with `relu`) and returns true when a sparse kernel
    /// ran; false means run the dense one.
    func run(weight: Parameter, bias: Parameter?, relu: Bool, x: Tensor, y: Tensor, configuration: EngineConfiguration) -> Bool {
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
                a.linearRows(bias: bp, relu: relu, x: xp, y: yp, samples: 0..<batch, rows: 0..<out)
            } else if batch == 1 {
                Parallel.chunks(out, threads: configuration.threads) { r in a.linearRows(bias: bp, relu: relu, x: xp, y: yp, samples: 0..<1, rows: r) }
            } else {
                Parallel.chunks(batch, threads: configuration.threads) { r in a.linearRows(bias: bp, relu: relu, x: xp, y: yp, samples: r, rows: 0..<out) }
            }
        } else {
            let panels = (batch + SparseMatrix.linearPanel - 1) / SparseMatrix.linearPanel
            let threads = Swift.min(panels, configuration.threads)
            if threads == 1 || cost.nanoseconds(kernel) < LinearKernelCost.panelsParallelWork {
                a.linear(bias: bp, relu: relu, x: xp, y: yp, samples: 0..<batch)
            } else {
                let next = UnsafeMutablePointer<Int>.allocate(capacity: 1)
                next.initialize(to: 0)
                defer { next.deallocate() }
                Parallel.chunks(threads, threads: threads) { _ in a.linearShared(bias: bp, relu: relu, x: xp, y: yp, samples: batch, nextPanel: next) }
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

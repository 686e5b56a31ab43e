import Foundation

/// Which kernel an eval-mode forward of a masked Linear layer runs: the one this cost model
/// expects to finish first, among those the policy allows.
///
/// Each kernel's time is a line in the quantities it loops over, in nanoseconds on one core.
/// The constants were fitted to `prn bench sparse` (the `sparse-linear-*` sweep, which times
/// every kernel at several shapes, densities and batches) on the 2-core AMD EPYC (AVX-512)
/// machine the project is developed on; docs/engine.md "Sparse inference" has the numbers. Only
/// their ratios matter (the choice compares kernels on the same machine), and a wrong choice
/// costs speed, never results: every kernel computes the same product.
///
/// The estimate is made per forward from integers the layer already has (no timing at run time,
/// so the choice is the same on every run and tests can state it).
public struct LinearKernelCost: Sendable, Equatable {
    /// Output features (weight rows), input features (weight columns), nonzero weights, samples.
    public var rows: Int, columns: Int, nonZeros: Int, batch: Int

    public init(rows: Int, columns: Int, nonZeros: Int, batch: Int) {
        self.rows = rows
        self.columns = columns
        self.nonZeros = nonZeros
        self.batch = batch
    }

    // sgemm (OpenBLAS, its own threads): a call's fixed cost, then per multiply-add at the batch
    // sizes measured, interpolated in log2(batch) between them. One sample runs as a
    // matrix-vector product bound by reading the weight; 16 samples were slower per
    // multiply-add than 4 (OpenBLAS splits them over its threads); 256 is sgemm at full speed.
    // Where the sweep varied by layer the lowest cost is taken, so a doubt favours dense.
    static let denseCall = 200.0
    static let denseMAC: [(batch: Double, ns: Double)] = [(1, 0.033), (4, 0.0115), (16, 0.019), (256, 0.0062)]
    // CSR rows: per sample and nonzero (index, value, gathered x), per sample and output.
    static let rowsCall = 200.0
    static let rowsNonZero = 0.19
    static let rowsOutput = 1.0
    // CSR panels of 16 samples: per panel, transposing its inputs in and its outputs back (per
    // input and output feature), then one 16-wide multiply-add per nonzero.
    static let panelsCall = 200.0
    static let panelsFeature = 1.0
    static let panelsNonZero = 0.52
    /// The weight's fingerprint, per entry (WeightChangeDetector), paid by a forward outside an
    /// evaluation pass before it may use a compressed copy.
    static let fingerprintWeight = 0.1
    /// CSR rows run on one thread below this estimate (ns): waking another costs several
    /// microseconds, and on a loaded machine waiting for a worker the scheduler has not run yet
    /// costs far more than the work it would take.
    public static let parallelWork = 200_000.0
    /// CSR panels are shared between threads from this estimate (ns) on; threads take panels
    /// from a common counter, so a late one only takes fewer.
    public static let panelsParallelWork = 30_000.0

    static func denseNanosecondsPerMAC(batch: Int) -> Double {
        let table = denseMAC, b = Double(Swift.max(1, batch))
        if b <= table[0].batch { return table[0].ns }
        for (lo, hi) in zip(table, table.dropFirst()) where b <= hi.batch {
            let t = (log2(b) - log2(lo.batch)) / (log2(hi.batch) - log2(lo.batch))
            return lo.ns + t * (hi.ns - lo.ns)
        }
        return table[table.count - 1].ns
    }

    /// Estimated nanoseconds of `kernel` on one core.
    public func nanoseconds(_ kernel: LinearKernel) -> Double {
        let b = Double(batch), macs = Double(rows) * Double(columns) * b, nnz = Double(nonZeros)
        switch kernel {
        case .dense:
            return Self.denseCall + macs * Self.denseNanosecondsPerMAC(batch: batch)
        case .csrRows:
            return Self.rowsCall + b * (Self.rowsNonZero * nnz + Self.rowsOutput * Double(rows))
        case .csrPanels:
            let panels = Double((batch + SparseMatrix.linearPanel - 1) / SparseMatrix.linearPanel)
            return Self.panelsCall + panels * (Self.panelsFeature * Double(columns + rows) + Self.panelsNonZero * nnz)
        }
    }

    /// The fingerprint of a weight of this shape.
    public var fingerprintNanoseconds: Double { Self.fingerprintWeight * Double(rows) * Double(columns) }

    private static let order: [LinearKernel] = [.dense, .csrRows, .csrPanels]

    /// The cheapest of `allowed`; a sparse kernel also pays `sparseOverhead` (the fingerprint
    /// when the weight must be checked first). Ties go to dense, then rows.
    public func choose(from allowed: LinearKernels, sparseOverhead: Double = 0) -> LinearKernel {
        precondition(!allowed.isEmpty, "linear kernel choice: nothing to choose from")
        var best: LinearKernel?, bestCost = Double.infinity
        for k in Self.order where allowed.contains(k) {
            let c = nanoseconds(k) + (k == .dense ? 0 : sparseOverhead)
            if c < bestCost { best = k; bestCost = c }
        }
        return best!
    }
}

import CKernels

/// A matrix in compressed sparse row (CSR) form, built from the nonzeros of a dense row-major
/// matrix: `rowStart[r]..<rowStart[r+1]` index the nonzeros of row r, in column order.
///
/// The product kernel computes C[rows, n] = A * B[columns, n] with B and C dense and row-major.
/// Each nonzero a[r, j] adds a * B[j, :] to C[r, :]: a contiguous multiply-add over n elements,
/// which vectorises, so the work is nnz * n multiply-adds at close to dense speed per element.
/// Linear layers use it on the transposed batch (n = batch), convolutions on im2col columns
/// (n = output positions).
public final class SparseMatrix {
    public let rows: Int
    public let columns: Int
    public let nonZeroCount: Int
    let rowStart: UnsafeMutablePointer<Int32>
    let columnIndex: UnsafeMutablePointer<Int32>
    let values: UnsafeMutablePointer<Float>

    /// The entries of `dense` (`count` floats) that are not exactly 0.
    public static func nonZeroCount(_ dense: UnsafePointer<Float>, count: Int) -> Int {
        var nnz = 0
        for i in 0..<count where dense[i] != 0 { nnz += 1 }
        return nnz
    }

    /// Compresses `dense` ([rows, columns], row-major), keeping every entry that is not exactly 0.
    /// `nonZeroCount`, when the caller has counted already, must be `nonZeroCount(dense, ...)`.
    public init(dense: UnsafePointer<Float>, rows: Int, columns: Int, nonZeroCount known: Int? = nil) {
        precondition(rows > 0 && columns > 0 && columns <= Int(Int32.max), "sparse matrix: bad size \(rows)x\(columns)")
        let nnz = known ?? SparseMatrix.nonZeroCount(dense, count: rows * columns)
        precondition(nnz <= Int(Int32.max), "sparse matrix: too many nonzeros")
        self.rows = rows
        self.columns = columns
        nonZeroCount = nnz
        rowStart = .allocate(capacity: rows + 1)
        columnIndex = .allocate(capacity: Swift.max(1, nnz))
        values = .allocate(capacity: Swift.max(1, nnz))
        var k = 0
        for r in 0..<rows {
            rowStart[r] = Int32(k)
            let row = dense + r * columns
            for j in 0..<columns where row[j] != 0 {
                columnIndex[k] = Int32(j)
                values[k] = row[j]
                k += 1
            }
        }
        rowStart[rows] = Int32(k)
    }

    deinit {
        rowStart.deallocate()
        columnIndex.deallocate()
        values.deallocate()
    }

    public var density: Double { Double(nonZeroCount) / Double(rows * columns) }

    private var csr: prn_csr {
        prn_csr(row_start: rowStart, column_index: columnIndex, values: values, rows: rows, columns: columns)
    }

    /// C[r, :] (+)= sum_j A[r, j] * B[j, :] for r in `rowRange`. B is [columns, n] with row
    /// stride n; C has row stride `ldc`. Without `accumulate` the rows of C are overwritten.
    public func multiply(rows rowRange: Range<Int>, b: UnsafePointer<Float>, n: Int,
                         c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        prn_csr_multiply(csr, rowRange.lowerBound, rowRange.upperBound, b, n, c, ldc, accumulate ? 1 : 0)
    }

    /// Samples per panel of the linear kernel (PANEL in Sources/CKernels/sparse.c): splitting a
    /// batch across threads at multiples of it keeps every panel but the last full.
    public static let linearPanel = 16

    /// y[s, :] = bias + A * x[s, :] for the samples in `samples` of a row-major batch x [B, columns]
    /// into y [B, rows]; `bias` (rows entries) may be nil; `relu` takes max(., 0) of every
    /// output as it is written (a Linear -> ReLU chain in eval, InferenceFusion).
    public func linear(bias: UnsafePointer<Float>?, relu: Bool = false, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                       samples: Range<Int>) {
        guard !samples.isEmpty else { return }
        prn_csr_linear(csr, bias, relu ? 1 : 0, x, y, samples.lowerBound, samples.upperBound)
    }

    /// `linear` over samples 0..<samples by every thread of a parallel loop: each calls this with
    /// the same counter (starting at 0) and takes panels until none is left, so a thread that
    /// starts late takes fewer.
    public func linearShared(bias: UnsafePointer<Float>?, relu: Bool = false, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                             samples: Int, nextPanel: UnsafeMutablePointer<Int>) {
        prn_csr_linear_shared(csr, bias, relu ? 1 : 0, x, y, samples, nextPanel)
    }

    /// The same product without panels (the kernel for a few samples): y[s, o] for the samples in
    /// `samples` and the output rows in `rowRange`, gathering x at each nonzero.
    public func linearRows(bias: UnsafePointer<Float>?, relu: Bool = false, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                           samples: Range<Int>, rows rowRange: Range<Int>) {
        guard !samples.isEmpty, !rowRange.isEmpty else { return }
        prn_csr_linear_rows(csr, bias, relu ? 1 : 0, x, y, samples.lowerBound, samples.upperBound, rowRange.lowerBound, rowRange.upperBound)
    }

    /// The dense matrix back, for tests and inspection.
    public func dense() -> Tensor {
        let t = Tensor(shape: [rows, columns])
        for r in 0..<rows {
            for k in Int(rowStart[r])..<Int(rowStart[r + 1]) { t[r * columns + Int(columnIndex[k])] = values[k] }
        }
        return t
    }
}

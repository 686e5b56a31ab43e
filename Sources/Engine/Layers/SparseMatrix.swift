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

    /// Compresses `dense` ([rows, columns], row-major), keeping every entry that is not exactly 0.
    public init(dense: UnsafePointer<Float>, rows: Int, columns: Int) {
        precondition(rows > 0 && columns > 0 && columns <= Int(Int32.max), "sparse matrix: bad size \(rows)x\(columns)")
        var nnz = 0
        for i in 0..<(rows * columns) where dense[i] != 0 { nnz += 1 }
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

    /// C[r, :] (+)= sum_j A[r, j] * B[j, :] for r in `rowRange`. B is [columns, n] with row
    /// stride n; C has row stride `ldc`. Without `accumulate` the rows of C are overwritten.
    public func multiply(rows rowRange: Range<Int>, b: UnsafePointer<Float>, n: Int,
                         c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        for r in rowRange {
            let out = c + r * ldc
            if !accumulate { out.update(repeating: 0, count: n) }
            let end = Int(rowStart[r + 1])
            var k = Int(rowStart[r])
            // Two nonzeros per pass halve the loads and stores of the output row.
            while k + 1 < end {
                let v0 = values[k], v1 = values[k + 1]
                let s0 = b + Int(columnIndex[k]) * n, s1 = b + Int(columnIndex[k + 1]) * n
                for i in 0..<n { out[i] += v0 * s0[i] + v1 * s1[i] }
                k += 2
            }
            if k < end {
                let v = values[k], s = b + Int(columnIndex[k]) * n
                for i in 0..<n { out[i] += v * s[i] }
            }
        }
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

/// Compressed (CSR) kernels for unstructured pruning at inference time.
///
/// Linear and Conv2d switch to a CSR form of their weight in eval mode when the weight carries a
/// pruning mask and the fraction of nonzero weights is below `densityThreshold`. Training always
/// runs the dense masked weights (gradients are dense anyway). The threshold comes from the layer
/// sweep of `prn bench sparse` (docs/interop.md): on 2 cores the CSR kernels beat OpenBLAS sgemm
/// up to about 10% density for Linear 784x300 and 20% for a 3x3 Conv 64x64; 0.15 sits between.
public enum SparseInference {
    /// Nonzero fraction below which eval-mode forwards use the CSR kernels.
    public nonisolated(unsafe) static var densityThreshold: Double = 0.15
    /// Off: always the dense kernels (a reference for tests and benchmarks).
    public nonisolated(unsafe) static var enabled = true
}

/// A layer's compressed weight, rebuilt whenever the weight's contents change.
///
/// Weights change outside training too (pruning writes masks and zeroes values, loading copies
/// values in place), so the cache is keyed by a fingerprint of the weight's bits rather than by
/// training steps. The fingerprint is one vectorised pass over the weight: for a batch of B
/// samples it costs about 1/B of the dense product.
final class SparseWeightCache {
    private var key: WeightFingerprint?
    private var matrix: SparseMatrix?

    /// The CSR form of `weight` viewed as [rows, count/rows], or nil when the dense kernel should
    /// run (no mask, sparse kernels off, or too dense to gain).
    func matrix(for weight: Parameter, rows: Int) -> SparseMatrix? {
        guard SparseInference.enabled, weight.mask != nil, rows > 0 else { return nil }
        let value = weight.value
        let print = WeightFingerprint(value)
        if let key, key == print { return matrix }
        key = print
        let columns = value.count / rows
        var nnz = 0
        let p = value.data
        for i in 0..<value.count where p[i] != 0 { nnz += 1 }
        let density = Double(nnz) / Double(Swift.max(1, value.count))
        matrix = density < SparseInference.densityThreshold
            ? SparseMatrix(dense: value.data, rows: rows, columns: columns) : nil
        return matrix
    }

    func reset() { key = nil; matrix = nil }
}

/// Count plus two position-weighted sums of a tensor's bit patterns (wrapping arithmetic).
struct WeightFingerprint: Equatable {
    let count: Int
    let plain: UInt32
    let weighted: UInt32

    init(_ t: Tensor) {
        count = t.count
        var a: UInt32 = 0, b: UInt32 = 0
        t.data.withMemoryRebound(to: UInt32.self, capacity: t.count) { bits in
            for i in 0..<t.count {
                let v = bits[i]
                a &+= v
                b &+= v &* (UInt32(truncatingIfNeeded: i) &* 2_654_435_761 | 1)
            }
        }
        plain = a
        weighted = b
    }
}

/// The eval-mode CSR forward of a Linear layer: y[B, out] = x[B, in] * W^T + b computed as
/// y^T[out, B] = W * x^T, so each nonzero weight is one contiguous multiply-add over the batch.
final class SparseLinearForward {
    let cache = SparseWeightCache()
    private var transposedInput: Tensor?
    private var transposedOutput: Tensor?

    /// Fills `y` and returns true when the sparse kernel ran; false means run the dense one.
    func run(weight: Parameter, bias: Parameter?, x: Tensor, y: Tensor) -> Bool {
        let out = weight.value.shape[0], inF = weight.value.shape[1], batch = x.shape[0]
        guard batch > 0, let a = cache.matrix(for: weight, rows: out) else { return false }
        let xt = Tensor.reuse(&transposedInput, shape: [inF, batch])
        let yt = Tensor.reuse(&transposedOutput, shape: [out, batch])
        let xp = x.data, xtp = xt.data, ytp = yt.data, yp = y.data
        Self.transpose(xp, rows: batch, columns: inF, into: xtp)
        let bp = bias?.value.data
        Parallel.chunks(out, minPerThread: 16) { r in
            if let bp { for o in r { (ytp + o * batch).update(repeating: bp[o], count: batch) } }
            a.multiply(rows: r, b: xtp, n: batch, c: ytp, ldc: batch, accumulate: bp != nil)
        }
        Self.transpose(ytp, rows: out, columns: batch, into: yp)
        return true
    }

    /// dst[c, r] = src[r, c] for a row-major [rows, columns] source, in 16x16 tiles so both
    /// sides stay in cache; tiles of columns are split across threads (disjoint rows of dst).
    static func transpose(_ src: UnsafePointer<Float>, rows: Int, columns: Int, into dst: UnsafeMutablePointer<Float>) {
        let tile = 16
        let tiles = (columns + tile - 1) / tile
        Parallel.chunks(tiles, minPerThread: Swift.max(1, 4096 / Swift.max(1, rows))) { range in
            for t in range {
                let c0 = t * tile, c1 = Swift.min(columns, c0 + tile)
                var r0 = 0
                while r0 < rows {
                    let r1 = Swift.min(rows, r0 + tile)
                    for c in c0..<c1 {
                        let out = dst + c * rows
                        for r in r0..<r1 { out[r] = src[r * columns + c] }
                    }
                    r0 = r1
                }
            }
        }
    }

    func reset() { cache.reset(); transposedInput = nil; transposedOutput = nil }
}

import Engine

/// The linear predictor: ridge regression of the standardized target on the standardized
/// inputs, kept exact under removals.
///
/// With G = X'X + lambda*I, H = G^-1 and coefficients B = H X'Y, removing input i is the same as
/// refitting without it: B loses row i and becomes B - H[:,i] B[i,:] / H[i,i], and H becomes
/// H - H[:,i] H[i,:] / H[i,i] (zero in row and column i: the inverse Gram of the other inputs).
/// On training rows the penalized loss grows by |B[i,:]|^2 / H[i,i]. MIPP measures held-out
/// loss, so the validation residual R = Yv - Xv B and U = Xv H are carried along: without input i
/// the residual is R + U[:,i] B[i,:] / H[i,i], an O(rows x outputs) evaluation, and accepting a
/// removal costs O(inputs^2 + rows x (inputs + outputs)).
public final class MIPPRidge: MIPPPredictor {
    /// lambda = ridge x training rows: a tiny ridge on standardized inputs that keeps collinear
    /// and dead nodes invertible without visibly shrinking the fit.
    public static let defaultRidge = 1e-5

    public let inputs: Int, outputs: Int, validationRows: Int
    public private(set) var nothingLoss: Double
    public private(set) var loss: Double
    private var h: [Double], b: [Double], u: [Double], r: [Double]

    public init(_ fold: MIPPFold, ridge: Double = MIPPRidge.defaultRidge) {
        let d = fold.inputs, m = fold.outputs, nt = fold.trainRows, nv = fold.validationRows
        inputs = d; outputs = m; validationRows = nv
        let gram = MIPPRidge.gram(fold)
        var xty = [Float](repeating: 0, count: d * m)
        if nt > 0 {
            fold.xt.withUnsafeBufferPointer { xt in
                fold.yt.withUnsafeBufferPointer { yt in
                    xty.withUnsafeMutableBufferPointer { c in
                        BLAS.sgemm(transA: true, m: d, n: m, k: nt, a: xt.baseAddress!, lda: d, b: yt.baseAddress!, ldb: m,
                                   beta: 0, c: c.baseAddress!, ldc: m)
                    }
                }
            }
        }
        // A Gram matrix whose rounding still defeats the ridge (more nodes than rows, nearly
        // collinear nodes) is retried with a ten times larger ridge; the first try almost always holds.
        var lambda = ridge * Double(max(nt, 1))
        var inverse = [Double]()
        for _ in 0..<8 {
            var g = gram
            for i in 0..<d { g[i * d + i] += lambda }
            inverse = DenseMath.inverseSPD(g, d, pivotFloor: lambda)
            if inverse.allSatisfy(\.isFinite) { break }
            lambda *= 10
        }
        h = inverse
        b = DenseMath.multiply(h, xty.map(Double.init), m: d, k: d, n: m)
        let xv = fold.xv.map(Double.init), yv = fold.yv.map(Double.init)
        u = DenseMath.multiply(xv, h, m: nv, k: d, n: d)
        let fit = DenseMath.multiply(xv, b, m: nv, k: d, n: m)
        r = zip(yv, fit).map { $0 - $1 }
        nothingLoss = yv.reduce(0) { $0 + $1 * $1 }
        loss = r.reduce(0) { $0 + $1 * $1 }
    }

    /// X'X of the training rows: BLAS.sgemm over blocks of rows, the blocks summed in double, so
    /// rounding stays far below the ridge even for thousands of rows.
    static func gram(_ fold: MIPPFold) -> [Double] {
        let d = fold.inputs, n = fold.trainRows, block = 64
        var total = [Double](repeating: 0, count: d * d), part = [Float](repeating: 0, count: d * d)
        fold.xt.withUnsafeBufferPointer { xt in
            var start = 0
            while start < n {
                let rows = min(block, n - start)
                part.withUnsafeMutableBufferPointer { p in
                    BLAS.sgemm(transA: true, m: d, n: d, k: rows, a: xt.baseAddress! + start * d, lda: d,
                               b: xt.baseAddress! + start * d, ldb: d, beta: 0, c: p.baseAddress!, ldc: d)
                }
                for k in 0..<(d * d) { total[k] += Double(part[k]) }
                start += rows
            }
        }
        return total
    }

    public func lossWithout(_ i: Int) -> Double {
        let d = inputs, m = outputs, hii = h[i * d + i]
        guard hii > 0 else { return loss }
        var ub = 0.0, uu = 0.0, bb = 0.0
        for j in 0..<m { bb += b[i * m + j] * b[i * m + j] }
        r.withUnsafeBufferPointer { r in
            u.withUnsafeBufferPointer { u in
                b.withUnsafeBufferPointer { b in
                    let bi = b.baseAddress! + i * m
                    for row in 0..<validationRows {
                        let ur = u[row * d + i]
                        guard ur != 0 else { continue }
                        uu += ur * ur
                        let rr = r.baseAddress! + row * m
                        var dot = 0.0
                        for j in 0..<m { dot += rr[j] * bi[j] }
                        ub += ur * dot
                    }
                }
            }
        }
        return max(0, loss + 2 * ub / hii + uu * bb / (hii * hii))
    }

    public func remove(_ i: Int) {
        let d = inputs, m = outputs, nv = validationRows, hii = h[i * d + i]
        guard hii > 0 else { return }
        let hi = (0..<d).map { h[$0 * d + i] }
        let bi = (0..<m).map { b[i * m + $0] }
        let ui = (0..<nv).map { u[$0 * d + i] }
        h.withUnsafeMutableBufferPointer { h in
            for p in 0..<d where hi[p] != 0 {
                let f = hi[p] / hii
                for q in 0..<d { h[p * d + q] -= f * hi[q] }
            }
            // Row and column i are exactly zero now up to rounding; make them so.
            for p in 0..<d { h[p * d + i] = 0; h[i * d + p] = 0 }
        }
        b.withUnsafeMutableBufferPointer { b in
            for p in 0..<d where hi[p] != 0 {
                let f = hi[p] / hii
                for j in 0..<m { b[p * m + j] -= f * bi[j] }
            }
            for j in 0..<m { b[i * m + j] = 0 }
        }
        r.withUnsafeMutableBufferPointer { r in
            u.withUnsafeMutableBufferPointer { u in
                for row in 0..<nv where ui[row] != 0 {
                    let f = ui[row] / hii
                    for j in 0..<m { r[row * m + j] += f * bi[j] }
                    for q in 0..<d { u[row * d + q] -= f * hi[q] }
                    u[row * d + i] = 0
                }
            }
        }
        loss = r.reduce(0) { $0 + $1 * $1 }
    }
}

/// Small dense double-precision kernels for the ridge predictor (exactness matters more than
/// speed at these sizes: inputs are one layer's nodes).
enum DenseMath {
    /// C[m, n] = A[m, k] B[k, n], rows split across the engine's threads.
    static func multiply(_ a: [Double], _ b: [Double], m: Int, k: Int, n: Int) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    let pa = UncheckedBox(a.baseAddress), pb = UncheckedBox(b.baseAddress), pc = UncheckedBox(c.baseAddress)
                    Parallel.chunks(m, minPerThread: max(1, 4096 / max(1, k * n / 64))) { rows in
                        guard let a = pa.value, let b = pb.value, let c = pc.value else { return }
                        for i in rows {
                            let ci = c + i * n
                            for p in 0..<k {
                                let f = a[i * k + p]
                                guard f != 0 else { continue }
                                let bp = b + p * n
                                for j in 0..<n { ci[j] += f * bp[j] }
                            }
                        }
                    }
                }
            }
        }
        return c
    }

    /// Inverse of a symmetric positive definite matrix by Cholesky factorization. Every pivot of
    /// G + lambda*I is at least lambda in exact arithmetic; one that rounding (of a single-precision
    /// Gram matrix) pushed lower is raised back to `pivotFloor`.
    static func inverseSPD(_ a: [Double], _ n: Int, pivotFloor: Double) -> [Double] {
        var l = a, inv = [Double](repeating: 0, count: n * n), out = [Double](repeating: 0, count: n * n)
        l.withUnsafeMutableBufferPointer { l in
            for j in 0..<n {
                var s = l[j * n + j]
                for k in 0..<j { s -= l[j * n + k] * l[j * n + k] }
                let pivot = max(s, pivotFloor, 1e-300).squareRoot()
                l[j * n + j] = pivot
                for i in (j + 1)..<max(j + 1, n) {
                    var t = l[i * n + j]
                    for k in 0..<j { t -= l[i * n + k] * l[j * n + k] }
                    l[i * n + j] = t / pivot
                }
            }
            inv.withUnsafeMutableBufferPointer { inv in
                // L^-1, lower triangular, column by column.
                for c in 0..<n {
                    inv[c * n + c] = 1 / l[c * n + c]
                    for i in (c + 1)..<max(c + 1, n) {
                        var t = 0.0
                        for k in c..<i { t -= l[i * n + k] * inv[k * n + c] }
                        inv[i * n + c] = t / l[i * n + i]
                    }
                }
                out.withUnsafeMutableBufferPointer { out in
                    // H = L^-T L^-1: H[i][j] = sum over k >= max(i, j) of inv[k][i] inv[k][j].
                    for i in 0..<n {
                        for j in i..<n {
                            var t = 0.0
                            for k in j..<n { t += inv[k * n + i] * inv[k * n + j] }
                            out[i * n + j] = t
                            out[j * n + i] = t
                        }
                    }
                }
            }
        }
        return out
    }
}

import CKernels
import Engine

/// How a per-sample contribution |w_ij x_i| is normalised.
public enum ContributionNorm: String, Sendable, CaseIterable {
    /// |w_ij x_i| / (sum_k |w_kj x_k| + |b_j|): a share in [0, 1].
    case share
    /// |w_ij x_i| / max(|a_j|, eps): the ratio of the publication, unbounded near a_j = 0.
    case preact
}

/// Streams the mean and second moment of c_ij(x) = |w_ij x_i| * r_j(x) over samples, where
/// r_j = mask_j / S_j holds the normalisation and the blind range. Because |w_ij| does not
/// depend on the sample, sum_x c_ij = |w_ij| * sum_x |x_i| r_j and
/// sum_x c_ij^2 = w_ij^2 * sum_x x_i^2 r_j^2: two GEMMs per batch, never a loop over
/// samples x weights.
///
/// Per-batch sums go into Float buffers (GEMM with beta = 1) and are flushed into Double
/// totals every `flushEvery` samples, which keeps both the cost and the rounding small.
public final class ContributionAccumulator {
    let layer: StatLayer
    let norm: ContributionNorm
    let blind: Bool
    /// Workers for the elementwise passes (the model's `EngineConfiguration.threads`).
    let threads: Int
    public static let preactEpsilon: Float = 1e-6
    static let flushEvery = 4096

    private(set) var samples = 0
    private var sinceFlush = 0
    private var sum: [Double]
    private var sumSquares: [Double]
    private let absWeight: Tensor
    private let absBias: [Float]
    private var partial: Tensor
    private var partialSquares: Tensor
    private var absX: Tensor?, squareX: Tensor?, ratio: Tensor?, ratioSquared: Tensor?

    init(_ layer: StatLayer, norm: ContributionNorm, blind: Bool, threads: Int) {
        self.layer = layer
        self.threads = threads
        self.norm = norm
        self.blind = blind
        let w = layer.weight.value
        absWeight = Tensor(shape: [layer.outUnits, layer.fan])
        for i in 0..<w.count { absWeight.data[i] = abs(w.data[i]) }
        absBias = layer.bias.map { b in (0..<b.value.count).map { abs(b.value.data[$0]) } } ?? Array(repeating: 0, count: layer.outUnits)
        sum = Array(repeating: 0, count: w.count)
        sumSquares = sum
        partial = Tensor(shape: [w.count])
        partialSquares = Tensor(shape: [w.count])
    }

    /// Adds one batch: the layer's input, its output (pre-activations) and, when the blind range
    /// applies, the activation's output (> 0 where the unit is active).
    func add(input x: Tensor, preactivation a: Tensor, activation: Tensor?) {
        let active = blind ? activation : nil
        if let conv = layer.conv { addConv(conv, x, a, active) } else { addDense(x, a, active) }
        if sinceFlush >= ContributionAccumulator.flushEvery { stageFlush(); flush() }
    }

    /// Dense batches are staged up to `stageRows` rows before the two accumulating GEMMs: a
    /// rank-64 update of an [out, fan] matrix is bound by memory traffic, a rank-1024 one is not.
    static let stageRows = 1024
    private var staged = 0

    private func addDense(_ x: Tensor, _ a: Tensor, _ active: Tensor?) {
        let rows = x.shape[0], fan = layer.fan, out = layer.outUnits
        let capacity = max(ContributionAccumulator.stageRows, rows)
        if staged + rows > capacity || (absX?.count ?? 0) < capacity * fan { stageFlush() }
        let z = Tensor.reuse(&absX, shape: [capacity, fan]), z2 = Tensor.reuse(&squareX, shape: [capacity, fan])
        let r = Tensor.reuse(&ratio, shape: [capacity, out]), r2 = Tensor.reuse(&ratioSquared, shape: [capacity, out])
        let zp = z.data + staged * fan, z2p = z2.data + staged * fan, rp = r.data + staged * out, r2p = r2.data + staged * out
        let xp = x.data
        Parallel.chunks(rows * fan, minPerThread: 1 << 15, threads: threads) { r in
            prn_abs_and_square(xp + r.lowerBound, zp + r.lowerBound, z2p + r.lowerBound, r.count)
        }
        if norm == .share {
            BLAS.sgemm(transB: true, m: rows, n: out, k: fan, a: zp, lda: fan, b: absWeight.data, ldb: fan, c: rp, ldc: out)
        }
        fillRatios(rp, r2p, a.data, active?.data, count: rows * out, inner: 1)
        staged += rows
        samples += rows; sinceFlush += rows
    }

    /// The accumulating GEMMs over the staged dense rows.
    private func stageFlush() {
        guard staged > 0, let z = absX, let z2 = squareX, let r = ratio, let r2 = ratioSquared else { staged = 0; return }
        let fan = layer.fan, out = layer.outUnits
        BLAS.sgemm(transA: true, m: out, n: fan, k: staged, a: r.data, lda: out, b: z.data, ldb: fan,
                   beta: 1, c: partial.data, ldc: fan)
        BLAS.sgemm(transA: true, m: out, n: fan, k: staged, a: r2.data, lda: out, b: z2.data, ldb: fan,
                   beta: 1, c: partialSquares.data, ldc: fan)
        staged = 0
    }

    private func addConv(_ conv: Conv2d, _ x: Tensor, _ a: Tensor, _ active: Tensor?) {
        let g = ConvColumns(conv, input: x)
        let batch = x.shape[0], fan = layer.fan, out = layer.outUnits, pos = g.positions
        let z = Tensor.reuse(&absX, shape: [fan, pos]), z2 = Tensor.reuse(&squareX, shape: [fan, pos])
        let r = Tensor.reuse(&ratio, shape: [out, pos]), r2 = Tensor.reuse(&ratioSquared, shape: [out, pos])
        let inItem = x.itemCount, outItem = out * pos
        for b in 0..<batch {
            g.fill(x.data + b * inItem, into: z.data) { abs($0) }
            for i in 0..<fan * pos { z2.data[i] = z.data[i] * z.data[i] }
            if norm == .share {
                BLAS.sgemm(m: out, n: pos, k: fan, a: absWeight.data, lda: fan, b: z.data, ldb: pos, c: r.data, ldc: pos)
            }
            fillRatios(r.data, r2.data, a.data + b * outItem, active.map { $0.data + b * outItem }, count: outItem,
                       inner: pos)
            BLAS.sgemm(transB: true, m: out, n: fan, k: pos, a: r.data, lda: pos, b: z.data, ldb: pos,
                       beta: 1, c: partial.data, ldc: fan)
            BLAS.sgemm(transB: true, m: out, n: fan, k: pos, a: r2.data, lda: pos, b: z2.data, ldb: pos,
                       beta: 1, c: partialSquares.data, ldc: fan)
        }
        samples += batch * pos; sinceFlush += batch * pos
    }

    /// r = mask / S and r^2. For `share`, `r` arrives holding sum_k |w_kj x_k| (bias added here);
    /// a unit that receives nothing (S = 0) has no shares and contributes 0. Entry i belongs to
    /// unit (i / inner) % units: inner 1 for dense rows, the positions per channel for conv.
    private func fillRatios(_ rp: UnsafeMutablePointer<Float>, _ r2p: UnsafeMutablePointer<Float>, _ a: UnsafeMutablePointer<Float>,
                            _ active: UnsafeMutablePointer<Float>?, count: Int, inner: Int) {
        let units = layer.outUnits, share: Int32 = norm == .share ? 1 : 0
        absBias.withUnsafeBufferPointer { bias in
            let biasBase = bias.baseAddress!
            Parallel.chunks(count, minPerThread: 1 << 14, threads: threads) { r in
                prn_contribution_ratios(rp, r2p, a, active, r.lowerBound, r.upperBound, inner, units, biasBase, share,
                                        ContributionAccumulator.preactEpsilon)
            }
        }
    }

    private func flush() {
        let p = partial.data, q = partialSquares.data
        sum.withUnsafeMutableBufferPointer { s in
            sumSquares.withUnsafeMutableBufferPointer { s2 in
                for i in 0..<s.count {
                    s[i] += Double(p[i])
                    s2[i] += Double(q[i])
                }
            }
        }
        partial.zero(); partialSquares.zero()
        sinceFlush = 0
    }

    /// Per-weight mean and standard deviation of the contributions over every sample seen
    /// (zeros before any sample).
    func moments() -> (mean: [Float], spread: [Float]) {
        stageFlush()
        flush()
        let n = Double(max(samples, 1)), w = layer.weight.value.data
        var mean = [Float](repeating: 0, count: sum.count), spread = mean
        for i in 0..<sum.count {
            let aw = Double(abs(w[i]))
            let m = aw * sum[i] / n
            let m2 = aw * aw * sumSquares[i] / n
            mean[i] = Float(m)
            spread[i] = Float(max(m2 - m * m, 0).squareRoot())
        }
        return (mean, spread)
    }
}

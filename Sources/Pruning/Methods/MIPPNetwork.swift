import Engine
import Foundation

/// The paper's predictor: a one-hidden-layer ReLU MLP (mean squared error, Adam) fitted to the
/// standardized target. Masking input i zeroes its first-layer column and keeps it at zero; the
/// network is then refit briefly from its current weights, as the paper refits after each
/// masking, and the refit is kept when the node is removed.
public final class MIPPNetwork: MIPPPredictor {
    public struct Settings: Sendable {
        public var hidden = 32
        public var batch = 128
        public var learningRate: Float = 1e-2
        /// Steps of the first fit (about a dozen passes over 3,000 training rows).
        public var fitSteps = 400
        /// Steps of the brief refit after each masking.
        public var refitSteps = 25
        public init() {}
    }

    /// Weights and Adam moments; a value, so trying a masking is a copy.
    private struct State {
        var w1: [Float], b1: [Float], w2: [Float], b2: [Float]
        var m: [[Float]], v: [[Float]]
        var step = 0
        var mask: [Float]
    }

    public let settings: Settings
    public private(set) var nothingLoss: Double
    public private(set) var loss: Double = 0
    private let fold: MIPPFold
    private let d: Int, m: Int, h: Int
    private var state: State
    private var pending: (input: Int, state: State, loss: Double)?
    private var rng: RandomStream
    private var order: [Int] = []
    private var cursor = 0
    // Scratch buffers, reused by every step.
    private var xb: [Float], yb: [Float], z: [Float], p: [Float], dz: [Float], dp: [Float]
    private var grads: [[Float]]

    public init(_ fold: MIPPFold, seed: UInt64, settings: Settings = Settings()) {
        self.fold = fold
        self.settings = settings
        d = fold.inputs; m = fold.outputs; h = settings.hidden
        var startRng = RandomStream(seed: seed, stream: "mipp.mlp")
        func uniform(_ n: Int, fan: Int) -> [Float] {
            let bound = 1 / Float(max(fan, 1)).squareRoot()
            return (0..<n).map { _ in startRng.uniform(-bound, bound) }
        }
        let w1 = uniform(h * d, fan: d), b1 = uniform(h, fan: d), w2 = uniform(m * h, fan: h), b2 = uniform(m, fan: h)
        let shapes = [w1.count, b1.count, w2.count, b2.count]
        state = State(w1: w1, b1: b1, w2: w2, b2: b2, m: shapes.map { [Float](repeating: 0, count: $0) },
                      v: shapes.map { [Float](repeating: 0, count: $0) }, mask: [Float](repeating: 1, count: d))
        rng = startRng
        grads = shapes.map { [Float](repeating: 0, count: $0) }
        let bs = settings.batch, rows = max(fold.validationRows, bs)
        xb = [Float](repeating: 0, count: bs * d); yb = [Float](repeating: 0, count: bs * m)
        z = [Float](repeating: 0, count: rows * h); p = [Float](repeating: 0, count: rows * m)
        dz = [Float](repeating: 0, count: bs * h); dp = [Float](repeating: 0, count: bs * m)
        nothingLoss = fold.yv.reduce(0) { $0 + Double($1) * Double($1) }
        train(&state, steps: settings.fitSteps)
        loss = validationLoss(state)
    }

    public func lossWithout(_ i: Int) -> Double {
        var trial = state
        maskInput(i, in: &trial)
        train(&trial, steps: settings.refitSteps)
        let l = validationLoss(trial)
        pending = (i, trial, l)
        return l
    }

    public func remove(_ i: Int) {
        if pending?.input != i { _ = lossWithout(i) }
        guard let p = pending else { return }
        state = p.state
        loss = p.loss
        pending = nil
    }

    private func maskInput(_ i: Int, in s: inout State) {
        s.mask[i] = 0
        for u in 0..<h { s.w1[u * d + i] = 0 }
    }

    private func nextBatch() {
        let n = fold.trainRows, bs = settings.batch
        for k in 0..<bs {
            if cursor >= order.count { order = rng.permutation(n); cursor = 0 }
            let r = order[cursor]; cursor += 1
            for c in 0..<d { xb[k * d + c] = fold.xt[r * d + c] }
            for c in 0..<m { yb[k * m + c] = fold.yt[r * m + c] }
        }
    }

    /// Hidden pre-activations into `z` and predictions into `p` for `rows` rows of `x`.
    private func forward(_ s: State, _ x: UnsafePointer<Float>, rows: Int) {
        let h = self.h, d = self.d, m = self.m
        z.withUnsafeMutableBufferPointer { z in
            p.withUnsafeMutableBufferPointer { p in
                for r in 0..<rows { for u in 0..<h { z[r * h + u] = s.b1[u] } }
                BLAS.sgemm(transB: true, m: rows, n: h, k: d, a: x, lda: d, b: s.w1, ldb: d, beta: 1, c: z.baseAddress!, ldc: h)
                for k in 0..<(rows * h) where z[k] < 0 { z[k] = 0 }
                for r in 0..<rows { for j in 0..<m { p[r * m + j] = s.b2[j] } }
                BLAS.sgemm(transB: true, m: rows, n: m, k: h, a: z.baseAddress!, lda: h, b: s.w2, ldb: h, beta: 1,
                           c: p.baseAddress!, ldc: m)
            }
        }
    }

    private func validationLoss(_ s: State) -> Double {
        let nv = fold.validationRows
        guard nv > 0 else { return 0 }
        fold.xv.withUnsafeBufferPointer { forward(s, $0.baseAddress!, rows: nv) }
        var total = 0.0
        for k in 0..<(nv * m) { let e = Double(p[k] - fold.yv[k]); total += e * e }
        return total
    }

    private func train(_ s: inout State, steps: Int) {
        guard fold.trainRows > 0 else { return }
        let bs = settings.batch, h = self.h, d = self.d, m = self.m
        for _ in 0..<steps {
            nextBatch()
            xb.withUnsafeBufferPointer { forward(s, $0.baseAddress!, rows: bs) }
            let scale = 2 / Float(bs)
            for k in 0..<(bs * m) { dp[k] = scale * (p[k] - yb[k]) }
            for g in grads.indices { for k in grads[g].indices { grads[g][k] = 0 } }
            // z holds ReLU outputs: the layer-2 input, and a positive value marks an active unit.
            BLAS.sgemm(transA: true, m: m, n: h, k: bs, a: dp, lda: m, b: z, ldb: h, beta: 0, c: &grads[2], ldc: h)
            for r in 0..<bs { for j in 0..<m { grads[3][j] += dp[r * m + j] } }
            BLAS.sgemm(m: bs, n: h, k: m, a: dp, lda: m, b: s.w2, ldb: h, beta: 0, c: &dz, ldc: h)
            for k in 0..<(bs * h) where z[k] <= 0 { dz[k] = 0 }
            BLAS.sgemm(transA: true, m: h, n: d, k: bs, a: dz, lda: h, b: xb, ldb: d, beta: 0, c: &grads[0], ldc: d)
            for r in 0..<bs { for u in 0..<h { grads[1][u] += dz[r * h + u] } }
            for u in 0..<h { for c in 0..<d where s.mask[c] == 0 { grads[0][u * d + c] = 0 } }
            adam(&s)
        }
    }

    private func adam(_ s: inout State) {
        s.step += 1
        let c1 = 1 - Foundation.pow(Float(0.9), Float(s.step)), c2 = 1 - Foundation.pow(Float(0.999), Float(s.step))
        let lr = settings.learningRate
        MIPPNetwork.adamStep(&s.w1, &s.m[0], &s.v[0], grads[0], lr: lr, c1: c1, c2: c2)
        MIPPNetwork.adamStep(&s.b1, &s.m[1], &s.v[1], grads[1], lr: lr, c1: c1, c2: c2)
        MIPPNetwork.adamStep(&s.w2, &s.m[2], &s.v[2], grads[2], lr: lr, c1: c1, c2: c2)
        MIPPNetwork.adamStep(&s.b2, &s.m[3], &s.v[3], grads[3], lr: lr, c1: c1, c2: c2)
    }

    private static func adamStep(_ w: inout [Float], _ m: inout [Float], _ v: inout [Float], _ g: [Float],
                                 lr: Float, c1: Float, c2: Float) {
        let beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8
        w.withUnsafeMutableBufferPointer { w in
            m.withUnsafeMutableBufferPointer { m in
                v.withUnsafeMutableBufferPointer { v in
                    g.withUnsafeBufferPointer { g in
                        for i in 0..<w.count {
                            m[i] = beta1 * m[i] + (1 - beta1) * g[i]
                            v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
                            w[i] -= lr * (m[i] / c1) / ((v[i] / c2).squareRoot() + eps)
                        }
                    }
                }
            }
        }
    }
}

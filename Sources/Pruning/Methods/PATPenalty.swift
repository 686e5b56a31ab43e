import Engine
import Foundation

/// Pruning-aware training for relative contributions (`train penalty=pat`, METHODS.md §1).
///
/// For every linear and conv layer and every sample (every output position of a conv), unit j
/// spreads its input over the shares p_ij = |w_ij x_i| / S_j, S_j = sum_k |w_kj x_k|, with entropy
/// H_j = -sum_i p_ij log p_ij. The penalty is lambda times the mean of H_j over units and samples,
/// averaged over layers (so lambda does not grow with depth). Low entropy means each unit
/// relies on few inputs, so more weights carry small contributions and can be pruned.
///
/// Gradient, with the activations treated as constants:
/// dH_j/dw_ij = -sign(w_ij) (|x_i| / S_j) (log p_ij + H_j). With log p_ij = log|w_ij| + log|x_i| -
/// log S_j every sum over samples is a GEMM:
///   H = log S - (|X| (|W| log|W|)^T + (|X| log|X|) |W|^T) / S,
///   sum_x (|x_i|/S_j)(log p_ij + H_j) = log|w_ij| G1 + G2 + G3 with G1 = (1/S)^T |X|,
///   G2 = (1/S)^T (|X| log|X|), G3 = ((H - log S)/S)^T |X|.
/// A unit that receives nothing (S = 0) has no shares: it adds 0 and gets no gradient.
///
/// The current batch's layer inputs come from an observer the penalty attaches to the model for
/// its lifetime (train-mode passes only); `apply` runs after backward, so they are that batch's.
public final class PATPenalty: TrainingPenalty {
    public let name = "pat"
    /// The penalty is a mean entropy (at most log(fan-in), about 6.7 for LeNet-300-100's first
    /// layer) against a cross-entropy that falls below 0.1; 0.01 keeps the entropy term a small
    /// fraction of the loss. docs/methods/contribution-screening.md reports what it does.
    public static let defaultLambda: Float = 0.01
    static let lambdaOption = MethodOption<Double>.number("lambda", min: 0, default: Double(defaultLambda),
                                                          help: "penalty strength")
    public let lambda: Float
    private weak var model: Model?
    private let layers: [StatLayer]
    private let recorder: ActivationRecorder
    private var work: [Int: PATWorkspace] = [:]

    public init(model: Model, lambda: Float) throws {
        guard lambda.isFinite, lambda >= 0 else {
            throw PruningError(.badOption, "penalty=pat: lambda=\(lambda) must be a finite number >= 0 (default \(PATPenalty.defaultLambda))")
        }
        let layers = StatLayer.all(model)
        guard !layers.isEmpty else {
            throw PruningError(.unsupportedModel, "penalty=pat acts on linear and conv weights and this model has none")
        }
        self.lambda = lambda
        self.model = model
        self.layers = layers
        recorder = ActivationRecorder(watching: Set(layers.map(\.node)), mode: .train)
        model.observers.append(recorder)
    }

    deinit {
        let r = recorder
        model?.observers.removeAll { $0 === r }
    }

    public func apply(to model: Model) -> Double {
        evaluate(addGradients: true)
    }

    /// The penalty's value on the last recorded batch; with `addGradients`, also adds its gradient
    /// to the weights' `grad`.
    @discardableResult
    public func evaluate(addGradients: Bool) -> Double {
        var entropies: [(mean: Double, layer: StatLayer, count: Int)] = []
        for layer in layers {
            guard let x = recorder.inputs[layer.node] else { continue }
            let ws = work[layer.node] ?? PATWorkspace()
            work[layer.node] = ws
            let (sum, count) = ws.run(layer, input: x)
            entropies.append((sum / Double(max(count, 1)), layer, count))
        }
        guard !entropies.isEmpty else { return 0 }
        let layersSeen = Double(entropies.count)
        if addGradients && lambda > 0 {
            for e in entropies {
                guard let ws = work[e.layer.node] else { continue }
                ws.addGradient(to: e.layer.weight, scale: lambda / Float(layersSeen * Double(max(e.count, 1))))
            }
        }
        return Double(lambda) * entropies.reduce(0) { $0 + $1.mean } / layersSeen
    }
}

/// Per-layer buffers and the GEMM formulation of the entropy and its gradient.
final class PATWorkspace {
    private var stacked: Tensor?     // [2*out, fan]: |W| then |W| log|W|
    private var absX: Tensor?, xLogX: Tensor?
    private var sums: Tensor?        // S and T1, stacked by the layout below
    private var t2: Tensor?
    private var q: Tensor?           // 1/S and (H - log S)/S
    private var g13: Tensor?, g2: Tensor?

    /// Sum of H over units and samples of this batch, and how many (unit, sample) pairs.
    func run(_ layer: StatLayer, input x: Tensor) -> (Double, Int) {
        let out = layer.outUnits, fan = layer.fan
        let w = Tensor.reuse(&stacked, shape: [2 * out, fan])
        let wv = layer.weight.value.data
        for i in 0..<out * fan {
            let a = abs(wv[i])
            w.data[i] = a
            w.data[out * fan + i] = a > 0 ? a * log(a) : 0
        }
        let g13 = Tensor.reuse(&self.g13, shape: [2 * out, fan], zeroed: true)
        let g2 = Tensor.reuse(&self.g2, shape: [out, fan], zeroed: true)
        if let conv = layer.conv { return runConv(conv, x, w, g13, g2, out, fan) }
        let rows = x.shape[0]
        let z = Tensor.reuse(&absX, shape: [rows, fan]), zl = Tensor.reuse(&xLogX, shape: [rows, fan])
        PATWorkspace.fillInputs(x.data, z.data, zl.data, rows * fan)
        // Samples are rows: S|T1 [rows, 2*out], T2 [rows, out].
        let st = Tensor.reuse(&sums, shape: [rows, 2 * out]), t = Tensor.reuse(&t2, shape: [rows, out])
        BLAS.sgemm(transB: true, m: rows, n: 2 * out, k: fan, a: z.data, lda: fan, b: w.data, ldb: fan, c: st.data, ldc: 2 * out)
        BLAS.sgemm(transB: true, m: rows, n: out, k: fan, a: zl.data, lda: fan, b: w.data, ldb: fan, c: t.data, ldc: out)
        let qt = Tensor.reuse(&q, shape: [rows, 2 * out])
        var total: Double = 0
        for r in 0..<rows {
            total += PATWorkspace.entropies(s: st.data + r * 2 * out, t1: st.data + r * 2 * out + out, sStride: 1,
                                            t2: t.data + r * out, q: qt.data + r * 2 * out, qh: qt.data + r * 2 * out + out, count: out)
        }
        BLAS.sgemm(transA: true, m: 2 * out, n: fan, k: rows, a: qt.data, lda: 2 * out, b: z.data, ldb: fan, c: g13.data, ldc: fan)
        BLAS.sgemm(transA: true, m: out, n: fan, k: rows, a: qt.data, lda: 2 * out, b: zl.data, ldb: fan, c: g2.data, ldc: fan)
        return (total, rows * out)
    }

    private func runConv(_ conv: Conv2d, _ x: Tensor, _ w: Tensor, _ g13: Tensor, _ g2: Tensor, _ out: Int, _ fan: Int) -> (Double, Int) {
        let g = ConvColumns(conv, input: x)
        let batch = x.shape[0], pos = g.positions, inItem = x.itemCount
        let z = Tensor.reuse(&absX, shape: [fan, pos]), zl = Tensor.reuse(&xLogX, shape: [fan, pos])
        // Samples are columns: S|T1 [2*out, pos], T2 [out, pos].
        let st = Tensor.reuse(&sums, shape: [2 * out, pos]), t = Tensor.reuse(&t2, shape: [out, pos])
        let qt = Tensor.reuse(&q, shape: [2 * out, pos])
        var total: Double = 0
        for b in 0..<batch {
            g.fill(x.data + b * inItem, into: z.data) { abs($0) }
            for i in 0..<fan * pos { let v = z.data[i]; zl.data[i] = v > 0 ? v * log(v) : 0 }
            BLAS.sgemm(m: 2 * out, n: pos, k: fan, a: w.data, lda: fan, b: z.data, ldb: pos, c: st.data, ldc: pos)
            BLAS.sgemm(m: out, n: pos, k: fan, a: w.data, lda: fan, b: zl.data, ldb: pos, c: t.data, ldc: pos)
            for j in 0..<out {
                total += PATWorkspace.entropies(s: st.data + j * pos, t1: st.data + (out + j) * pos, sStride: 1,
                                                t2: t.data + j * pos, q: qt.data + j * pos, qh: qt.data + (out + j) * pos, count: pos)
            }
            BLAS.sgemm(transB: true, m: 2 * out, n: fan, k: pos, a: qt.data, lda: pos, b: z.data, ldb: pos,
                       beta: 1, c: g13.data, ldc: fan)
            BLAS.sgemm(transB: true, m: out, n: fan, k: pos, a: qt.data, lda: pos, b: zl.data, ldb: pos,
                       beta: 1, c: g2.data, ldc: fan)
        }
        return (total, batch * pos * out)
    }

    private static func fillInputs(_ x: UnsafeMutablePointer<Float>, _ z: UnsafeMutablePointer<Float>,
                                   _ zl: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n {
            let v = abs(x[i])
            z[i] = v
            zl[i] = v > 0 ? v * log(v) : 0
        }
    }

    /// H = log S - (T1 + T2) / S for `count` (unit, sample) pairs; writes q = 1/S and
    /// qh = (H - log S)/S (both 0 where S = 0) and returns the sum of H.
    private static func entropies(s: UnsafeMutablePointer<Float>, t1: UnsafeMutablePointer<Float>, sStride: Int,
                                  t2: UnsafeMutablePointer<Float>, q: UnsafeMutablePointer<Float>,
                                  qh: UnsafeMutablePointer<Float>, count: Int) -> Double {
        var total: Double = 0
        for i in 0..<count {
            let sv = s[i * sStride]
            guard sv > 0, sv.isFinite else { q[i] = 0; qh[i] = 0; continue }
            let logS = log(sv), inv = 1 / sv
            let h = max(logS - (t1[i] + t2[i]) * inv, 0)
            q[i] = inv
            qh[i] = (h - logS) * inv
            total += Double(h)
        }
        return total
    }

    /// grad_ij += -scale * sign(w_ij) * (log|w_ij| G1 + G2 + G3); zero weights get nothing.
    func addGradient(to weight: Parameter, scale: Float) {
        guard let g13, let g2 else { return }
        let n = weight.value.count, w = weight.value.data, grad = weight.grad.data
        let g1 = g13.data, g3 = g13.data + n, g2p = g2.data
        for i in 0..<n {
            let v = w[i]
            guard v != 0 else { continue }
            let d = log(abs(v)) * g1[i] + g2p[i] + g3[i]
            grad[i] += v > 0 ? -scale * d : scale * d
        }
    }
}

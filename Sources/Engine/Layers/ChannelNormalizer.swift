import CKernels

/// The normalisation shared by BatchNorm and SigmoidBatchNorm, per channel c of [B,C] or [B,C,H,W]:
/// xhat = (x - mu_c) / sqrt(var_c + eps), y = scale_c * xhat + shift_c.
/// Train mode uses the batch's mean and biased variance and updates the running estimates the
/// PyTorch way (running_var takes the unbiased variance); eval mode uses the running estimates.
/// backward (train) dx = scale*invstd/N * (N*dy - sum dy - xhat * sum(dy*xhat)), N = B*H*W
/// backward (eval)  dx = scale*invstd * dy
/// Per-channel sums of dy and dy*xhat are left in `sumGrad` / `sumGradXhat` for the parameters.
/// With `relu` the forward also applies the ReLU that follows the norm (training graphs fuse the
/// pair, Model.forward), and the backward takes the gradient of the ReLU's output: it recomputes
/// from x which outputs the ReLU passed instead of reading a separate pass's masked gradient.
final class ChannelNormalizer {
    let eps: Float
    let momentum: Float
    let runningMean: Parameter
    let runningVar: Parameter

    /// Mean and 1/sqrt(var + eps) used by the last forward (batch or running statistics).
    private(set) var mean: Tensor?
    private(set) var invStd: Tensor?
    private(set) var sumGrad: Tensor?
    private(set) var sumGradXhat: Tensor?
    private var input: Tensor?
    private var lastMode: Mode = .eval
    private var lastReLU = false
    /// The shift b[c] of the map y = a[c] * x + b[c] the last forward applied, for the fused
    /// ReLU's mask (a[c] = scale[c] * invStd[c], which the backward computes again).
    private var forwardShift: Tensor?
    private var output: Tensor?
    private var gradInput: Tensor?

    init(channels: Int, eps: Float, momentum: Float) {
        precondition(channels > 0 && eps > 0 && momentum >= 0 && momentum <= 1,
                     "batchnorm: channels must be positive, eps > 0 and momentum in [0, 1]")
        self.eps = eps
        self.momentum = momentum
        runningMean = Parameter(name: "running_mean", role: .buffer, value: Tensor(shape: [channels]))
        runningVar = Parameter(name: "running_var", role: .buffer, value: Tensor(shape: [channels], repeating: 1))
    }

    var channels: Int { runningMean.value.count }

    func outputShape(_ s: [[Int]], kind: String) throws -> [Int] {
        guard s.count == 1, s[0].count == 1 || s[0].count == 3, s[0][0] == channels else {
            throw ShapeError("\(kind) expects [\(channels)] or [\(channels), H, W] input, got \(s.first ?? [])")
        }
        return s[0]
    }

    /// Batch, channels and positions per channel of one sample.
    private func layout(_ x: Tensor, _ kind: String) -> (batch: Int, hw: Int) {
        precondition((x.rank == 2 || x.rank == 4) && x.shape[1] == channels,
                     "\(kind): input \(x.shape) vs \(channels) channels ([B,C] or [B,C,H,W])")
        return (x.shape[0], x.rank == 4 ? x.shape[2] * x.shape[3] : 1)
    }

    /// With `residual` (laid out as x) the output is the norm's plus the residual, then ReLU when
    /// `relu`: a residual join after the norm folded into its pass (TrainingFusion). The backward
    /// then takes the gradient of the norm's own output, as the join's backward hands it on.
    func forward(_ x: Tensor, mode: Mode, scale: UnsafePointer<Float>, shift: UnsafePointer<Float>?,
                 kind: String, relu: Bool = false, residual: Tensor? = nil) -> Tensor {
        let (batch, hw) = layout(x, kind)
        let c = channels, n = batch * hw
        let xp = x.data, mp = Tensor.reuse(&mean, shape: [c]).data, ip = Tensor.reuse(&invStd, shape: [c]).data
        if mode == .train {
            precondition(n > 1, "\(kind): training needs more than one value per channel, got input \(x.shape)")
            let rm = runningMean.value.data, rv = runningVar.value.data
            let momentum = momentum, eps = eps
            Parallel.chunks(c, minPerThread: Swift.max(1, 4096 / n)) { r in
                for ch in r {
                    // One pass over deviations from one of the channel's own values: it lies
                    // within the data's range, so sum d^2 - (sum d)^2 / n cancels no more than
                    // a few bits (centring at 0 would lose them all for a channel whose mean is
                    // large against its spread).
                    let shift = xp[ch * hw]
                    var s: Double = 0, q: Double = 0
                    for b in 0..<batch {
                        var ps: Float = 0, pq: Float = 0
                        prn_shifted_sums(xp + (b * c + ch) * hw, hw, shift, &ps, &pq)
                        s += Double(ps); q += Double(pq)
                    }
                    let squares = Swift.max(0, q - s * s / Double(n))
                    let mu = Float(Double(shift) + s / Double(n)), variance = Float(squares / Double(n))
                    mp[ch] = mu
                    ip[ch] = 1 / (variance + eps).squareRoot()
                    rm[ch] = (1 - momentum) * rm[ch] + momentum * mu
                    rv[ch] = (1 - momentum) * rv[ch] + momentum * Float(squares / Double(n - 1))
                }
            }
            input = x
        } else {
            for ch in 0..<c { (mp[ch], ip[ch]) = evalStatistics(ch) }
            input = x
        }
        lastMode = mode
        lastReLU = relu && residual == nil
        precondition(residual.map { $0.shape == x.shape } ?? true, "\(kind): residual \(residual?.shape ?? []) vs input \(x.shape)")
        let rp = residual?.data
        let bp = Tensor.reuse(&forwardShift, shape: [c]).data
        let ap = (0..<c).map { ch in
            let (a, b) = ChannelNormalizer.affine(scale: scale[ch], shift: shift?[ch] ?? 0, mean: mp[ch], invStd: ip[ch])
            bp[ch] = b
            return a
        }
        let y = Tensor.reuse(&output, shape: x.shape)
        let yp = y.data, clamp: Int32 = relu ? 1 : 0
        Parallel.chunks(batch * c, minPerThread: Swift.max(1, 8192 / hw)) { r in
            for plane in r {
                let ch = plane % c
                if let rp {
                    prn_norm_add_relu(xp + plane * hw, rp + plane * hw, yp + plane * hw, hw, ap[ch], bp[ch], clamp)
                } else {
                    prn_norm_forward(xp + plane * hw, yp + plane * hw, hw, ap[ch], bp[ch], clamp)
                }
            }
        }
        return y
    }

    /// Channel `ch`'s mean and 1/std in eval mode: the running estimates.
    private func evalStatistics(_ ch: Int) -> (mean: Float, invStd: Float) {
        (runningMean.value[ch], 1 / (runningVar.value[ch] + eps).squareRoot())
    }

    /// y = a * x + b for a channel: a = scale / std, b = shift - a * mean.
    private static func affine(scale: Float, shift: Float, mean: Float, invStd: Float) -> (a: Float, b: Float) {
        let a = scale * invStd
        return (a, shift - a * mean)
    }

    /// The eval-mode map of every channel as one scale and shift (what the forward applies with
    /// the running statistics), for folding into the layer before (InferenceFusion).
    func evalAffine(scale: UnsafePointer<Float>, shift: UnsafePointer<Float>?) -> (scale: [Float], shift: [Float]) {
        var a = [Float](repeating: 0, count: channels), b = a
        for ch in 0..<channels {
            let s = evalStatistics(ch)
            (a[ch], b[ch]) = ChannelNormalizer.affine(scale: scale[ch], shift: shift?[ch] ?? 0, mean: s.mean, invStd: s.invStd)
        }
        return (a, b)
    }

    /// Fills `sumGrad` and `sumGradXhat`, and returns dx when asked.
    func backward(_ dy: Tensor, needInputGrad: Bool, scale: UnsafePointer<Float>, kind: String) -> Tensor? {
        guard let x = input else { preconditionFailure("\(kind).backward before forward") }
        let (batch, hw) = layout(x, kind)
        precondition(dy.count == x.count, "\(kind).backward: gradient \(dy.shape) vs input \(x.shape)")
        let c = channels, n = batch * hw
        guard let mp = mean?.data, let ip = invStd?.data, let fb = forwardShift?.data else {
            preconditionFailure("\(kind).backward before forward")
        }
        let xp = x.data, gp = dy.data, relu = lastReLU
        let sg = Tensor.reuse(&sumGrad, shape: [c]).data, sgx = Tensor.reuse(&sumGradXhat, shape: [c]).data
        let dx = needInputGrad ? Tensor.reuse(&gradInput, shape: x.shape) : nil
        let dxp = dx?.data, train = lastMode == .train
        Parallel.chunks(c, minPerThread: Swift.max(1, 4096 / n)) { r in
            for ch in r {
                let mu = mp[ch], inv = ip[ch], a = scale[ch] * inv
                var s: Double = 0, sx: Double = 0
                var t: Float = 0, tx: Float = 0
                for b in 0..<batch {
                    let off = (b * c + ch) * hw
                    if relu {
                        prn_sum_and_centered_dot_relu(gp + off, xp + off, hw, mu, a, fb[ch], &t, &tx)
                    } else {
                        prn_sum_and_centered_dot(gp + off, xp + off, hw, mu, &t, &tx)
                    }
                    s += Double(t); sx += Double(tx)
                }
                sg[ch] = Float(s)
                sgx[ch] = Float(sx) * inv
                guard let dxp else { continue }
                if train {
                    // dx = a*dy - a*meanG - a*meanGX*inv*(x - mu): one fused multiply-add chain per element.
                    let meanG = sg[ch] / Float(n), meanGX = sgx[ch] / Float(n)
                    let k = a * meanGX * inv, offset = a * meanG - k * mu
                    for b in 0..<batch {
                        let off = (b * c + ch) * hw
                        if relu {
                            prn_norm_input_gradient_relu(gp + off, xp + off, dxp + off, hw, a, k, offset, fb[ch])
                        } else {
                            prn_norm_input_gradient(gp + off, xp + off, dxp + off, hw, a, k, offset)
                        }
                    }
                } else {
                    for b in 0..<batch {
                        let off = (b * c + ch) * hw
                        for i in 0..<hw {
                            // The fused ReLU's mask: a * x + b rounded twice, as the forward did.
                            let passed = !relu || a * xp[off + i] + fb[ch] > 0
                            dxp[off + i] = passed ? a * gp[off + i] : 0
                        }
                    }
                }
            }
        }
        return dx
    }

    /// Drops cached batches after surgery changed the channel count.
    func reset() { input = nil; output = nil; gradInput = nil; forwardShift = nil }
}

import CKernels

/// Conv2d's backward: dW += sum_b dy_b * col_b^T, db += sum_{b,pos} dy, dx_b = col2im(W^T * dy_b)
/// on the column-matrix path; without columns where the forward ran without them (Winograd or
/// the direct kernels for the weight gradient and, as the adjoint convolution, the input
/// gradient). Each worker sums its block of the batch into its own weight-gradient buffer (worker
/// 0 straight into weight.grad), added in worker order, so results are bitwise reproducible for a
/// fixed thread count.
extension Conv2d {
    /// Weight gradients computed without a column matrix (CKernels/direct_conv_weight_grad.c):
    /// stride-1 3x3 convolutions, padding 0-2. Other shapes use im2col + GEMM.
    /// `EngineConfiguration.directConvolution` off: always im2col + GEMM.
    func directWeightGradient(_ g: ConvGeometry) -> Bool {
        configuration.directConvolution && g.stride == 1 && g.kernel == 3 && g.padding <= 2
    }

    /// The convolution whose forward is this layer's input gradient: over the output gradient
    /// (out channels, OH x OW), padding k-1-p, giving H x W.
    func adjointGeometry(_ g: ConvGeometry) -> ConvGeometry {
        ConvGeometry(channels: outChannels, height: g.outHeight, width: g.outWidth, kernel: g.kernel, stride: 1,
                     padding: g.kernel - 1 - g.padding)
    }

    public func backward(_ dy: Tensor, needInputGrad: [Bool]) -> [Tensor?] {
        [backward(dy, wantDx: needInputGrad[0], adding: nil).gradient]
    }

    /// The backward with the input's gradient so far added into the input gradient where the
    /// Winograd input gradient's output pass can add it as it writes (`added`); elsewhere the
    /// plain input gradient, which the graph adds itself.
    func backward(_ dy: Tensor, adding: Tensor) -> (gradient: Tensor?, added: Bool) {
        backward(dy, wantDx: true, adding: adding)
    }

    private func backward(_ dy: Tensor, wantDx: Bool, adding: Tensor?) -> (gradient: Tensor?, added: Bool) {
        guard let x = input else { preconditionFailure("conv2d.backward before forward") }
        let batch = x.shape[0], g = geometry(height: x.shape[2], width: x.shape[3])
        let o = outChannels, kk = g.colRows, hw = g.colCols, inItem = x.itemCount
        precondition(dy.count == batch * o * hw, "conv2d.backward: gradient \(dy.shape) vs output [\(batch), \(o), \(g.outHeight), \(g.outWidth)]")
        precondition(adding.map { $0.count == x.count } ?? true, "conv2d.backward: gradient to add \(adding?.shape ?? []) vs input \(x.shape)")
        let workers = workerCount(batch)
        let winogradDW = winogradConvolution(g)
        let directDW = !winogradDW && directWeightGradient(g)
        let cols = g.isPointwise || directDW || winogradDW ? [] : Conv2d.prepare(&columns, workers: workers, count: kk * hw)
        let adjointG = adjointGeometry(g)
        let direct = wantDx && g.stride == 1 && directConvolution(adjointG)
        // With Winograd the input gradient is one pass over the batch after the weight gradient's.
        let winogradDx = direct && winogradConvolution(adjointG)
        let dcols = g.isPointwise || !wantDx || direct ? []
            : Conv2d.prepare(&gradColumns, workers: workers, count: kk * hw)
        // Worker 0 accumulates straight into weight.grad; the others into zeroed scratch, reduced below.
        let dws = workers > 1 ? Conv2d.prepare(&gradWeights, workers: workers, count: o * kk) : []
        for w in 1..<Swift.max(1, workers) { dws[w].zero() }
        let dx = wantDx ? Tensor.reuse(&gradInput, shape: x.shape) : nil
        let xp = x.data, dyp = dy.data, wp = weight.value.data, dxp = dx?.data
        let gradW = weight.grad.data
        // Stride-1 convolutions get dx as the adjoint direct convolution of dy (no column
        // gradient, no col2im).
        let c = inChannels, k = kernel, oh = g.outHeight, ow = g.outWidth, ap = adjointG.padding
        var adjoint: UnsafePointer<Float>?
        var pads: [Tensor] = []
        if direct && !winogradDx {
            let wt = Tensor.reuse(&adjointWeight, shape: [o * k * k * ((c + 7) / 8 * 8)])
            ConvKernels.directWeights(wp, outChannels: o, inChannels: c, kernel: k, adjoint: true, into: wt.data)
            adjoint = UnsafePointer(wt.data)
            pads = Conv2d.prepare(&gradPadded, workers: workers, count: prn_direct_conv_padded_size(o, oh, ow, ap))
        }
        // Samples per call of the column-free weight gradient: enough positions that summing
        // its accumulators across lanes, once per call, stays a small part of the work.
        let dwGroup = Swift.max(1, Swift.min(16, 4096 / Swift.max(hw, 1), (batch + workers - 1) / workers))
        let padStride = prn_direct_conv_padded_size(c, g.height, g.width, g.padding)
        let gridStride = prn_direct_conv_dy_grid_size(o, g.height, g.width, g.padding)
        let dwInputs = directDW ? Conv2d.prepare(&weightGradInputs, workers: workers, count: padStride * dwGroup) : []
        let dwGrids = directDW ? Conv2d.prepare(&weightGradGrids, workers: workers, count: gridStride * dwGroup) : []
        perWorker(batch) { w, samples in
            let dW = w == 0 ? gradW : dws[w].data
            if winogradDW {
                WinogradConvolution.weightGradient(xp + samples.lowerBound * inItem, dyp + samples.lowerBound * o * hw,
                                                   samples: samples.count, channels: c, outs: o, height: g.height,
                                                   width: g.width, padding: g.padding,
                                                   form: winogradWeightGradientForm(g, samples: samples.count), into: dW)
            }
            for b in samples {
                let xb = UnsafePointer(xp + b * inItem), dyb = dyp + b * o * hw
                if directDW {
                    let slot = (b - samples.lowerBound) % dwGroup
                    let padded = dwInputs[w].data, grid = dwGrids[w].data
                    prn_direct_conv_pad(xb, padded + slot * padStride, c, g.height, g.width, g.padding)
                    prn_direct_conv_dy_grid(dyb, grid + slot * gridStride, o, g.height, g.width, g.padding)
                    if slot == dwGroup - 1 || b == samples.upperBound - 1 {
                        prn_direct_conv_weight_grad(padded, padStride, grid, gridStride, slot + 1, dW, c,
                                                    g.height, g.width, g.padding, o)
                    }
                } else if !winogradDW {
                    let col: UnsafePointer<Float> = g.isPointwise ? xb : UnsafePointer(cols[w].data)
                    if !g.isPointwise { ConvKernels.im2col(g, xb, cols[w].data) }
                    BLAS.sgemm(transB: true, m: o, n: kk, k: hw, a: dyb, lda: hw, b: col, ldb: hw,
                               beta: 1, c: dW, ldc: kk)
                }
                guard let dxp, !winogradDx else { continue }
                let dxb = dxp + b * inItem
                if let adjoint {
                    ConvKernels.directSample(dyb, channels: o, outs: c, height: oh, width: ow, kernel: k, padding: ap,
                                             weights: adjoint, pad: pads[w].data, into: dxb, scale: nil, shift: nil, relu: false)
                } else if g.isPointwise {
                    BLAS.sgemm(transA: true, m: kk, n: hw, k: o, a: wp, lda: kk, b: dyb, ldb: hw, c: dxb, ldc: hw)
                } else {
                    let dcol = dcols[w].data
                    BLAS.sgemm(transA: true, m: kk, n: hw, k: o, a: wp, lda: kk, b: dyb, ldb: hw, c: dcol, ldc: hw)
                    ConvKernels.col2im(g, dcol, dxb)
                }
            }
        }
        if winogradDx, let dxp {
            winogradRunner(adjointG, batch: batch).run(dyp, batch: batch, channels: o, outs: c, height: oh, width: ow,
                                                       padding: ap, weight: weight.value, adjoint: true,
                                                       keepTransform: false, into: dxp, scale: nil, shift: nil,
                                                       residual: adding.map { UnsafePointer($0.data) }, relu: false,
                                                       threads: configuration.threads)
        }
        if workers > 1 {
            let n = o * kk
            Parallel.chunks(n, minPerThread: 1 << 14, threads: configuration.threads) { r in
                for w in 1..<workers { let s = dws[w].data; for i in r { gradW[i] += s[i] } }
            }
        }
        if let bg = bias?.grad.data {
            Parallel.chunks(o, minPerThread: 8, threads: configuration.threads) { r in
                for c in r {
                    var s: Float = 0
                    for b in 0..<batch { s += Reductions.sum(dyp + (b * o + c) * hw, hw) }
                    bg[c] += s
                }
            }
        }
        return (dx, winogradDx && dx != nil && adding != nil)
    }
}

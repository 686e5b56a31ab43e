import CKernels

/// Geometry of one 2-D convolution over a single sample [C, H, W] with a square kernel.
/// Shared by Conv2d's fast path (im2col/col2im + GEMM) and its naive reference.
struct ConvGeometry: Equatable {
    let channels: Int, height: Int, width: Int
    let kernel: Int, stride: Int, padding: Int

    var outHeight: Int { (height + 2 * padding - kernel) / stride + 1 }
    var outWidth: Int { (width + 2 * padding - kernel) / stride + 1 }
    /// Rows of the column matrix: one per (channel, kernel row, kernel column).
    var colRows: Int { channels * kernel * kernel }
    /// Columns of the column matrix: one per output position.
    var colCols: Int { outHeight * outWidth }
    /// A 1x1, stride-1, unpadded convolution reads its input directly as the column matrix.
    var isPointwise: Bool { kernel == 1 && stride == 1 && padding == 0 }

    /// Output positions `o` whose input column `o*stride - padding + offset` lies inside [0, extent).
    @inline(__always)
    func validRange(offset: Int, extent: Int, outExtent: Int) -> Range<Int> {
        let shift = padding - offset                   // o*stride >= shift
        let lo = shift <= 0 ? 0 : (shift + stride - 1) / stride
        let top = extent - 1 + padding - offset        // o*stride <= top
        let hi = top < 0 ? 0 : Swift.min(outExtent, top / stride + 1)
        return Swift.min(lo, hi)..<hi
    }
}

/// im2col / col2im for one sample. Column matrix layout: [C*k*k, OH*OW], row r = (c*k + ki)*k + kj,
/// so W[out, C*k*k] x col = Y[out, OH*OW] lands directly in NCHW order.
enum ConvKernels {
    /// col[(c,ki,kj), (oh,ow)] = x[c, oh*s - p + ki, ow*s - p + kj] (0 outside the image).
    /// `ld` is the distance between rows of `col` (default OH*OW); a larger one places several
    /// samples side by side, so one GEMM serves them all.
    static func im2col(_ g: ConvGeometry, _ x: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>, ld: Int? = nil) {
        prn_im2col(x, col, g.channels, g.height, g.width, g.kernel, g.stride, g.padding, ld ?? g.colCols)
    }

    /// One sample's column matrix written by `threads` threads, each a block of (channel, kernel
    /// row) pairs: with one sample per call (batch 1) a single thread would write it alone.
    static func im2col(_ g: ConvGeometry, _ x: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>, threads: Int) {
        let perPair = g.kernel * g.colCols
        Parallel.chunks(g.channels * g.kernel, minPerThread: Swift.max(1, 16384 / Swift.max(perPair, 1)), threads: threads) { r in
            prn_im2col_rows(x, col, g.channels, g.height, g.width, g.kernel, g.stride, g.padding, g.colCols, r.lowerBound, r.count)
        }
    }

    /// The weight as prn_direct_conv reads it: [outputs/8 rounded up][inputs*k*k][8], zeros in the
    /// extra outputs. `adjoint` gives the convolution that maps an output gradient to the input
    /// gradient (for stride 1, with padding k-1-p): inputs are the layer's output channels and
    /// W'[c, o, ki, kj] = W[o, c, k-1-ki, k-1-kj].
    static func directWeights(_ w: UnsafePointer<Float>, outChannels o: Int, inChannels c: Int, kernel k: Int,
                              adjoint: Bool, into dst: UnsafeMutablePointer<Float>) {
        let (ins, outs) = adjoint ? (o, c) : (c, o)
        let rounded = (outs + 7) / 8 * 8, area = k * k, taps = ins * area
        for j in 0..<rounded {
            let lane = dst + (j / 8) * taps * 8 + j % 8
            guard j < outs else { for t in 0..<taps { lane[t * 8] = 0 }; continue }
            for i in 0..<ins { for ki in 0..<k { for kj in 0..<k {
                lane[((i * k + ki) * k + kj) * 8] = adjoint ? w[(i * c + j) * area + (k - 1 - ki) * k + (k - 1 - kj)]
                                                           : w[(j * c + i) * area + ki * k + kj]
            } } }
        }
    }

    /// The weight of a stride-2 convolution's phase split (Conv2d.phaseSplit), [outs, 4 * ins,
    /// ceil(k/2), ceil(k/2)]: input channel (c*2 + a)*2 + b holds phase (a, b) of channel c, and
    /// its tap (u, v) is the original's (2u + a, 2v + b), zero where that falls off the kernel.
    static func phaseSplitWeights(_ w: UnsafePointer<Float>, outChannels o: Int, inChannels c: Int, kernel k: Int,
                                  into dst: UnsafeMutablePointer<Float>) {
        let half = (k + 1) / 2
        for j in 0..<o { for i in 0..<c { for a in 0..<2 { for b in 0..<2 { for u in 0..<half { for v in 0..<half {
            let ki = 2 * u + a, kj = 2 * v + b
            dst[((j * 4 * c + (i * 2 + a) * 2 + b) * half + u) * half + v] =
                ki < k && kj < k ? w[((j * c + i) * k + ki) * k + kj] : 0
        } } } } } }
    }

    /// One sample of a stride-1 direct convolution (CKernels/direct_conv.c): x [channels, h, w]
    /// -> y [outs, h+2p-k+1, w+2p-k+1] = scale * conv + shift (then ReLU); `pad` is scratch of the
    /// size prn_direct_conv_padded_size gives.
    static func directSample(_ x: UnsafePointer<Float>, channels: Int, outs: Int, height: Int, width: Int, kernel: Int,
                             padding p: Int, weights: UnsafePointer<Float>, pad: UnsafeMutablePointer<Float>,
                             into y: UnsafeMutablePointer<Float>,
                             scale: UnsafePointer<Float>?, shift: UnsafePointer<Float>?, relu: Bool) {
        prn_direct_conv_pad(x, pad, channels, height, width, p)
        prn_direct_conv(pad, weights, y, channels, height, width, kernel, p, outs, 0, scale, shift, relu ? 1 : 0)
    }

    /// The adjoint of im2col: dx[c, ih, iw] = the sum of the column entries im2col took from
    /// (c, ih, iw). Overwrites dx.
    static func col2im(_ g: ConvGeometry, _ col: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>) {
        prn_col2im(col, dx, g.channels, g.height, g.width, g.kernel, g.stride, g.padding, g.colCols)
    }
}

/// Direct (seven nested loops) convolution: the oracle the im2col path is tested against.
/// x [B,C,H,W], w [O,C,k,k], b [O] -> y [B,O,OH,OW]; backward gives dx, dw, db (accumulated).
enum ConvReference {
    static func forward(_ g: ConvGeometry, batch: Int, outChannels: Int, x: UnsafePointer<Float>,
                        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>) {
        let oh = g.outHeight, ow = g.outWidth, k = g.kernel
        for b in 0..<batch { for o in 0..<outChannels { for i in 0..<oh { for j in 0..<ow {
            var s: Float = bias?[o] ?? 0
            for c in 0..<g.channels { for ki in 0..<k { for kj in 0..<k {
                let ih = i * g.stride - g.padding + ki, iw = j * g.stride - g.padding + kj
                guard ih >= 0, ih < g.height, iw >= 0, iw < g.width else { continue }
                s += weight[((o * g.channels + c) * k + ki) * k + kj]
                    * x[((b * g.channels + c) * g.height + ih) * g.width + iw]
            } } }
            y[((b * outChannels + o) * oh + i) * ow + j] = s
        } } } }
    }

    /// dx is overwritten; dw and db are accumulated (+=), as layers do.
    static func backward(_ g: ConvGeometry, batch: Int, outChannels: Int, x: UnsafePointer<Float>,
                         weight: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                         dx: UnsafeMutablePointer<Float>, dw: UnsafeMutablePointer<Float>,
                         db: UnsafeMutablePointer<Float>?) {
        let oh = g.outHeight, ow = g.outWidth, k = g.kernel
        dx.update(repeating: 0, count: batch * g.channels * g.height * g.width)
        for b in 0..<batch { for o in 0..<outChannels { for i in 0..<oh { for j in 0..<ow {
            let gy = dy[((b * outChannels + o) * oh + i) * ow + j]
            db?[o] += gy
            for c in 0..<g.channels { for ki in 0..<k { for kj in 0..<k {
                let ih = i * g.stride - g.padding + ki, iw = j * g.stride - g.padding + kj
                guard ih >= 0, ih < g.height, iw >= 0, iw < g.width else { continue }
                let wi = ((o * g.channels + c) * k + ki) * k + kj
                let xi = ((b * g.channels + c) * g.height + ih) * g.width + iw
                dw[wi] += gy * x[xi]
                dx[xi] += gy * weight[wi]
            } } }
        } } } }
    }
}

import CKernels

/// Conv2d's forwards that multiply by the weight as a matrix: prn's packed product (in place or
/// over a column matrix), GEMMs over several samples' columns side by side, and im2col + GEMM (or
/// the CSR product) per sample. `Conv2d.forwardPath` chooses among them.
extension Conv2d {
    /// Eval forwards on the im2col path multiply with prn's own kernel (CKernels/packed_gemm.c)
    /// over a weight packed when it changes: BLAS packs the weight on every call, which at batch 1
    /// costs as much as the product for the large late layers.
    var packedGEMM: Bool { configuration.packedGEMM && Conv2d.packedGEMMPreferred }
    static let packedGEMMPreferred = prn_packed_gemm_preferred() != 0

    /// Whether a sample's positions fill the packed kernel's 14-column tiles well enough (85%)
    /// that it beats BLAS over several samples' columns side by side: 7x7 and 8x8 maps do (49 of
    /// 56, 64 of 70), 4x4 does not (16 of 28; `prn bench vgg` inference was slower with it).
    static func packedTilesFit(_ positions: Int) -> Bool {
        positions * 100 >= prn_packed_gemm_tiles(positions) * 14 * 85
    }

    /// At batch 1 each sample's product is split across the threads by (32 output channels, 14
    /// positions) tiles; otherwise each worker multiplies its own samples. The epilogue (or the
    /// bias) is applied as a tile is written. Where prn_packed_conv takes the shape, the product
    /// reads the input in place (`forwardPackedInPlace`) instead of from a column matrix of
    /// kernel^2 / stride^2 times its size.
    func forwardPacked(_ x: Tensor, _ y: Tensor, _ g: ConvGeometry, inPlace: Bool, workers: Int,
                       epilogue: ConvEpilogue?) {
        let e = epilogue ?? ConvEpilogue(biasOf: self)
        if inPlace {
            forwardPackedInPlace(x, y, g, workers: workers, epilogue: e)
            return
        }
        // Only the in-place product adds a residual (ForwardPath.addsResidual).
        precondition(e.residual == nil, "conv2d: a residual on the column-matrix packed product")
        let o = outChannels, kk = g.colRows, hw = g.colCols, inItem = x.itemCount
        let packed = packedWeights()
        let buffers = g.isPointwise ? [] : Conv2d.prepare(&columns, workers: workers, count: kk * hw)
        let items = (o + 31) / 32 * prn_packed_gemm_tiles(hw), tailSize = prn_packed_gemm_tail_size(kk)
        // One worker (batch 1): im2col and the product are split across the threads.
        let inner = workers == 1 ? configuration.threads : 1
        e.withPointers { scale, shift, relu in
            perWorker(x.shape[0]) { worker, samples in
                for b in samples {
                    let xb = UnsafePointer(x.data + b * inItem), yb = y.data + b * o * hw
                    if !g.isPointwise { ConvKernels.im2col(g, xb, buffers[worker].data, threads: inner) }
                    let src = g.isPointwise ? xb : UnsafePointer(buffers[worker].data)
                    Parallel.chunks(items, threads: inner) { r in
                        guard let tail = prn_thread_scratch(0, tailSize) else {
                            preconditionFailure("conv2d: out of memory for \(tailSize) floats of scratch")
                        }
                        prn_packed_gemm(packed, src, hw, yb, hw, o, kk, hw, r.lowerBound, r.count, scale, shift, relu, tail)
                    }
                }
            }
        }
    }

    /// prn_packed_conv over the input in place: without padding the input as it is, with padding
    /// the rows a thread's tiles read, copied with their padding into the thread's scratch in the
    /// same job as the product (a copy of the whole input as a job of its own cost a barrier, and
    /// each thread then read half its rows from the other core's cache). At batch 1 an input more
    /// than half the weight's size is split by output rows (each thread every block of outputs for
    /// its rows), so each thread reads the part of the input under its rows, mostly rows it wrote
    /// itself in the layer before, and writes the rows the next layer's band will read; split by
    /// blocks of outputs, each thread would read half the weight but all of the input. Same bits
    /// whatever the split.
    func forwardPackedInPlace(_ x: Tensor, _ y: Tensor, _ g: ConvGeometry, workers: Int, epilogue e: ConvEpilogue) {
        let o = outChannels, c = inChannels, n = g.colCols, inItem = x.itemCount, p = g.padding, s = g.stride
        let packed = packedWeights(), residual = e.residual.map { UnsafePointer($0.data) }
        let blocks = (o + 31) / 32, inner = workers == 1 ? configuration.threads : 1
        // Output rows in units no tile straddles: one row, or two rows of 7 (packed_conv.c).
        let unit = g.outWidth < 14 ? 2 : 1, units = (g.outHeight + unit - 1) / unit
        let byRows = inner > 1 && blocks > 1 && 2 * c * g.height * g.width > o * g.colRows
        e.withPointers { scale, shift, relu in
            perWorker(x.shape[0]) { _, samples in
                for b in samples {
                    let xb = UnsafePointer(x.data + b * inItem), yb = y.data + b * o * n, rb = residual.map { $0 + b * o * n }
                    // Items [first, first + count) of output rows `rows` (numbered within them).
                    let convolve = { (rows: Range<Int>, first: Int, count: Int) in
                        let top = rows.lowerBound * s, height = (rows.count - 1) * s + g.kernel
                        var src = xb + top * g.width, plane = g.height
                        if p > 0 {
                            let size = c * height * (g.width + 2 * p)
                            guard let band = prn_thread_scratch(0, size) else {
                                preconditionFailure("conv2d: out of memory for \(size) floats of scratch")
                            }
                            prn_packed_conv_pad_rows(xb, band, c, g.height, g.width, p, top, height)
                            src = UnsafePointer(band)
                            plane = height
                        }
                        let at = rows.lowerBound * g.outWidth
                        prn_packed_conv(packed, src, c, plane, g.width + 2 * p, g.kernel, s, rows.count, g.outWidth,
                                        yb + at, n, o, first, count, scale, shift, rb.map { $0 + at }, relu)
                    }
                    if byRows {
                        Parallel.chunks(units, threads: inner) { r in
                            let rows = (r.lowerBound * unit)..<Swift.min(r.upperBound * unit, g.outHeight)
                            convolve(rows, 0, blocks * prn_packed_gemm_tiles(rows.count * g.outWidth))
                        }
                        continue
                    }
                    Parallel.chunks(blocks * prn_packed_gemm_tiles(n), threads: inner) { r in
                        convolve(0..<g.outHeight, r.lowerBound, r.count)
                    }
                }
            }
        }
    }

    /// The weight packed for prn_packed_gemm, repacked when its fingerprint changes.
    func packedWeights() -> UnsafePointer<Float> {
        let rows = outChannels, taps = inChannels * kernel * kernel
        return packedWeight.get(from: weight.value, size: prn_packed_gemm_weight_size(rows, taps), keep: true) {
            prn_packed_gemm_pack(weight.value.data, rows, taps, $0)
        }
    }

    /// Forward over groups of `group` samples: their columns side by side in one matrix
    /// [C*k*k, group*OH*OW], one GEMM into a scratch [out, group*OH*OW], then each sample's
    /// block copied to its NCHW place with the bias (or through the epilogue).
    func forwardGrouped(_ x: Tensor, _ y: Tensor, _ g: ConvGeometry, group: Int, workers: Int,
                                epilogue: ConvEpilogue?) {
        let o = outChannels, kk = g.colRows, hw = g.colCols, inItem = x.itemCount, batch = x.shape[0]
        let cols = Conv2d.prepare(&columns, workers: workers, count: kk * hw * group)
        let outs = Conv2d.prepare(&groupOutputs, workers: workers, count: o * hw * group)
        let xp = x.data, yp = y.data, wp = weight.value.data, bp = bias?.value.data
        perWorker(batch) { w, samples in
            var start = samples.lowerBound
            while start < samples.upperBound {
                let n = Swift.min(group, samples.upperBound - start), ld = n * hw
                let col = cols[w].data, out = outs[w].data
                for j in 0..<n { ConvKernels.im2col(g, xp + (start + j) * inItem, col + j * hw, ld: ld) }
                BLAS.sgemm(m: o, n: ld, k: kk, a: wp, lda: kk, b: col, ldb: ld, c: out, ldc: ld)
                for j in 0..<n {
                    let yb = yp + (start + j) * o * hw
                    for c in 0..<o {
                        let src = out + c * ld + j * hw, dst = yb + c * hw
                        if let e = epilogue {
                            e.apply(channel: c, from: src, to: dst, count: hw)
                        } else if let bp {
                            let bias = bp[c]
                            for q in 0..<hw { dst[q] = src[q] + bias }
                        } else {
                            dst.update(from: src, count: hw)
                        }
                    }
                }
                start += n
            }
        }
    }

    /// im2col (unless pointwise) and a GEMM per sample, or the CSR product of a sparse masked
    /// weight; the bias, or the epilogue, applied after it.
    func forwardColumns(_ x: Tensor, _ y: Tensor, _ g: ConvGeometry, csr: SparseMatrix?, workers: Int,
                        epilogue: ConvEpilogue?) {
        let batch = x.shape[0], o = outChannels, kk = g.colRows, hw = g.colCols, inItem = x.itemCount
        let cols = g.isPointwise ? [] : Conv2d.prepare(&columns, workers: workers, count: kk * hw)
        let xp = x.data, yp = y.data, wp = weight.value.data
        // With an epilogue the bias is in its shift, applied after the product.
        let bp = epilogue == nil ? bias?.value.data : nil
        // One worker (batch 1): BLAS runs on all threads, and so does im2col.
        let im2colThreads = workers == 1 ? configuration.threads : 1
        perWorker(batch) { w, samples in
            for b in samples {
                let xb = UnsafePointer(xp + b * inItem), yb = yp + b * o * hw
                let col: UnsafePointer<Float> = g.isPointwise ? xb : UnsafePointer(cols[w].data)
                if !g.isPointwise { ConvKernels.im2col(g, xb, cols[w].data, threads: im2colThreads) }
                if let bp { for c in 0..<o { (yb + c * hw).update(repeating: bp[c], count: hw) } }
                if let csr {
                    csr.multiply(rows: 0..<o, b: col, n: hw, c: yb, ldc: hw, accumulate: bp != nil)
                } else {
                    BLAS.sgemm(m: o, n: hw, k: kk, a: wp, lda: kk, b: col, ldb: hw,
                               beta: bp == nil ? 0 : 1, c: yb, ldc: hw)
                }
                if let e = epilogue {
                    for c in 0..<o { e.apply(channel: c, from: yb + c * hw, to: yb + c * hw, count: hw) }
                }
            }
        }
    }
}

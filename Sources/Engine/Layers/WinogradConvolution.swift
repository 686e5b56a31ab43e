import CKernels

/// Stride-1 3x3 convolutions (padding 0-2) as Winograd F(2x2, 3x3) (CKernels/winograd_conv.c):
/// 16 multiply-adds per 2x2 block of outputs and input channel instead of 36; or F(4x4, 3x3)
/// (`WinogradForm`). Conv2d runs its forward and, as the adjoint
/// convolution, its input gradient through one of these each.
///
/// Each worker takes a contiguous block of the batch and convolves it a group of samples per
/// call: the kernel numbers the 2x2 tiles of all samples of a call in one sequence, so a group of
/// small images (8x8: 20 tiles each) still fills the kernel's vectors of 16 tiles and its chunks.
/// With fewer samples than threads (batch 1 in deployment) the threads split each sample instead
/// into bands of rows of tiles.
/// Every output is computed from its own sample only, in a fixed order, so results do not depend
/// on the thread count. The per-call buffers are the worker thread's (`prn_thread_scratch`), shared
/// by all layers; only a transformed weight kept across eval-mode forwards belongs to the layer
/// (`DerivedWeight`). The forward and the input gradient of a layer share one instance per form:
/// the input gradient's transform is never kept.
final class WinogradConvolution {
    let form: WinogradForm
    private var transformed = DerivedWeight()

    init(_ form: WinogradForm = .f2x2) { self.form = form }

    /// Tiles a call should cover: past this the lanes and chunks are nearly all full, and a larger
    /// group only grows the buffers.
    static let minimumTiles = 512

    static func applies(_ g: ConvGeometry) -> Bool { g.stride == 1 && g.kernel == 3 && g.padding <= 2 }

    func reset() { transformed.reset() }

    /// y [batch, outs, OH, OW] = scale * conv(x) + shift (then ReLU), x [batch, channels, H, W],
    /// with a layer's weight [outs, channels, 3, 3]; or, `adjoint`, the input gradient of the layer
    /// whose weight is [channels, outs, 3, 3] from its output gradient x. `residual` (laid out as y)
    /// is added before the ReLU. `keepTransform`: reuse the last call's transformed weight while
    /// the weight is unchanged (eval-mode forwards).
    func run(_ x: UnsafePointer<Float>, batch: Int, channels c: Int, outs o: Int, height h: Int, width w: Int,
             padding p: Int, weight: Tensor, adjoint: Bool, keepTransform: Bool, into y: UnsafeMutablePointer<Float>,
             scale: UnsafePointer<Float>?, shift: UnsafePointer<Float>?, residual: UnsafePointer<Float>?, relu: Bool,
             threads: Int) {
        let up = transform(weight, channels: c, outs: o, adjoint: adjoint, keep: keepTransform, threads: threads)
        let epilogue = WinogradEpilogue(scale: scale, shift: shift, residual: residual, relu: relu)
        let inItem = c * h * w, outItem = o * (h + 2 * p - 2) * (w + 2 * p - 2)
        let form = self.form
        if batch < threads {
            // One sample at a time, its rows of tiles split into one contiguous band per thread:
            // each thread gathers, transforms and multiplies its band for every output and writes
            // the band's output rows, on its own buffers, so a layer is one parallel step. Every
            // output is the same sum in the same order whatever the bands, so the results do not
            // depend on the split.
            for b in 0..<batch {
                Parallel.chunks(form.tileRows(height: h, padding: p), threads: threads) { r in
                    let tiles = form.bandTiles(rows: r.count, width: w, padding: p)
                    form.convolve(x + b * inItem, samples: 1, rows: r, channels: c, outs: o, height: h, width: w,
                                  padding: p, weights: up, buffers: WinogradConvolution.buffers(form, c, o, tiles),
                                  tiles: tiles, into: y + b * outItem, epilogue: epilogue.from(sample: b, outItem: outItem))
                }
            }
            return
        }
        let workers = Swift.max(1, Swift.min(threads, batch))
        let group = WinogradConvolution.group(form, samples: (batch + workers - 1) / workers, height: h, width: w, padding: p)
        let tiles = form.tiles(samples: group, height: h, width: w, padding: p), rows = form.tileRows(height: h, padding: p)
        Parallel.chunks(workers, threads: workers) { r in
            for worker in r {
                let buffers = WinogradConvolution.buffers(form, c, o, tiles)
                var start = batch * worker / workers
                let end = batch * (worker + 1) / workers
                while start < end {
                    let n = Swift.min(group, end - start)
                    form.convolve(x + start * inItem, samples: n, rows: 0..<rows, channels: c, outs: o, height: h,
                                  width: w, padding: p, weights: up, buffers: buffers,
                                  tiles: form.tiles(samples: n, height: h, width: w, padding: p),
                                  into: y + start * outItem, epilogue: epilogue.from(sample: start, outItem: outItem))
                    start += n
                }
            }
        }
    }

    /// The weight in the Winograd domain, [elements][outs / 8][channels][8] (outs rounded up), remade every
    /// call unless `keep` (`DerivedWeight`). Split across the threads: for 256 channels it is as
    /// long as a batch-8 Winograd pass on one.
    private func transform(_ weight: Tensor, channels c: Int, outs o: Int, adjoint: Bool, keep: Bool,
                           threads: Int) -> UnsafePointer<Float> {
        let wp = UnsafePointer(weight.data), form = self.form
        return transformed.get(from: weight, size: form.elements * c * ((o + 7) / 8 * 8), keep: keep) { u in
            Parallel.chunks(c, minPerThread: 8, threads: threads) { r in
                form.transformWeights(wp, into: u, ins: c, outs: o, adjoint: adjoint, first: r.lowerBound, count: r.count)
            }
        }
    }

    /// dw [outs, channels, 3, 3] += the weight gradient of `samples` samples x [samples, channels,
    /// H, W] with output gradients dy (CKernels/winograd_weight_grad.c, winograd43_weight_grad.c),
    /// on the calling thread: a worker's block of the batch, a group of samples per call as for the
    /// forward. `form`: `weightGradientForm`'s choice, unless a test asks for one.
    static func weightGradient(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, samples: Int, channels c: Int,
                               outs o: Int, height h: Int, width w: Int, padding p: Int, form: WinogradForm,
                               into dw: UnsafeMutablePointer<Float>) {
        let group = self.group(form, samples: samples, height: h, width: w, padding: p)
        let sizes = form.weightGradientSizes(channels: c, outs: o, tiles: form.tiles(samples: group, height: h, width: w, padding: p))
        let (rows, scratch, dyRows) = scratchBuffers(sizes.rows, sizes.scratch, sizes.dyRows)
        guard let sums = prn_thread_scratch(3, sizes.sums) else {
            preconditionFailure("conv2d: out of memory for Winograd scratch (\(sizes.sums) floats)")
        }
        sums.update(repeating: 0, count: sizes.sums)
        let buffers = WinogradGradientBuffers(rows: rows, dyRows: dyRows, scratch: scratch, sums: sums)
        let inItem = c * h * w, outItem = o * (h + 2 * p - 2) * (w + 2 * p - 2)
        var start = 0
        while start < samples {
            let n = Swift.min(group, samples - start)
            form.accumulateWeightGradient(x + start * inItem, dy + start * outItem, samples: n, channels: c, outs: o,
                                          height: h, width: w, padding: p, buffers: buffers)
            start += n
        }
        form.finishWeightGradient(sums, into: dw, channels: c, outs: o)
    }

    /// The form of a worker's weight gradient over `samples` samples: F(4x4, 3x3) where its
    /// products, counted as the calls make them (groups of samples, tiles rounded up to the
    /// kernels' vectors of 16), are at most 80% of F(2x2, 3x3)'s, as for the forwards
    /// (`WinogradForm.fewerProducts`). A few small images round F(4x4, 3x3)'s tiles up the most.
    static func weightGradientForm(samples: Int, height h: Int, width w: Int, padding p: Int) -> WinogradForm {
        func products(_ form: WinogradForm) -> Int {
            let group = self.group(form, samples: samples, height: h, width: w, padding: p)
            let whole = samples / group, rest = samples % group
            let tiles = whole * form.tiles(samples: group, height: h, width: w, padding: p)
                + (rest > 0 ? form.tiles(samples: rest, height: h, width: w, padding: p) : 0)
            return form.elements * tiles
        }
        return 5 * products(.f4x4) <= 4 * products(.f2x2) ? .f4x4 : .f2x2
    }

    /// Samples per call for a worker with `samples` of them: enough for `minimumTiles` tiles.
    private static func group(_ form: WinogradForm, samples: Int, height h: Int, width w: Int, padding p: Int) -> Int {
        let perSample = form.tiles(samples: 1, height: h, width: w, padding: p)
        return Swift.max(1, Swift.min(samples, (minimumTiles + perSample - 1) / perSample))
    }

    /// The calling thread's buffers for one call of `form` over `tiles` tiles.
    private static func buffers(_ form: WinogradForm, _ c: Int, _ o: Int, _ tiles: Int) -> WinogradBuffers {
        let sizes = form.bufferSizes(channels: c, outs: o, tiles: tiles)
        let (r, s, g) = scratchBuffers(sizes.rows, sizes.scratch, sizes.grid)
        return WinogradBuffers(rows: r, scratch: s, grid: g)
    }

    /// The calling thread's scratch slots 0-2 at these sizes.
    private static func scratchBuffers(_ rows: Int, _ scratch: Int, _ grid: Int)
        -> (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) {
        guard let r = prn_thread_scratch(0, rows), let s = prn_thread_scratch(1, scratch), let g = prn_thread_scratch(2, grid) else {
            preconditionFailure("conv2d: out of memory for Winograd scratch (\(rows + scratch + grid) floats)")
        }
        return (r, s, g)
    }
}

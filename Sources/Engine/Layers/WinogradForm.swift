import CKernels

/// Which Winograd algorithm a WinogradConvolution runs, and its kernels (CKernels/winograd_conv.c,
/// CKernels/winograd43_conv.c) behind one set of calls.
///
/// F(2x2, 3x3) does 16 multiply-adds per 2x2 tile (4 per output), F(4x4, 3x3) 36 per 4x4 tile
/// (2.25 per output) but its transforms cost more per tile, so it runs only where its tiles,
/// rounded up to the kernels' vectors of 16, leave it clearly less work (`fewerProducts`): for
/// forwards and input gradients alike, in training and in evaluation.
enum WinogradForm {
    case f2x2
    case f4x4

    /// Elements of the transform (products per tile and input channel).
    var elements: Int { self == .f2x2 ? 16 : 36 }

    /// Rows of tiles of one sample.
    func tileRows(height h: Int, padding p: Int) -> Int {
        let side = self == .f2x2 ? 2 : 4
        return (h + 2 * p - 2 + side - 1) / side
    }

    func tiles(samples: Int, height h: Int, width w: Int, padding p: Int) -> Int {
        self == .f2x2 ? prn_winograd_tiles(samples, h, w, p) : prn_winograd43_tiles(samples, h, w, p)
    }

    func bandTiles(rows: Int, width w: Int, padding p: Int) -> Int {
        self == .f2x2 ? prn_winograd_band_tiles(rows, w, p) : prn_winograd43_band_tiles(rows, w, p)
    }

    /// Floats of the gathered rows, the transformed inputs and the products of a call.
    func bufferSizes(channels c: Int, outs o: Int, tiles t: Int) -> (rows: Int, scratch: Int, grid: Int) {
        switch self {
        case .f2x2: (prn_winograd_rows_size(c, t), prn_winograd_scratch_size(c, t), prn_winograd_grid_size(o, t))
        case .f4x4: (prn_winograd43_rows_size(c, t), prn_winograd43_scratch_size(c, t), prn_winograd43_grid_size(o, t))
        }
    }

    /// Input channels [first, first + count) of the transformed weight ([elements][outs / 8][ins][8],
    /// outs rounded up) of `weight`, or with `adjoint` of the adjoint convolution's.
    func transformWeights(_ weight: UnsafePointer<Float>, into u: UnsafeMutablePointer<Float>, ins c: Int, outs o: Int,
                          adjoint: Bool, first: Int, count: Int) {
        switch self {
        case .f2x2: prn_winograd_weights(weight, u, c, o, adjoint ? 1 : 0, first, count)
        case .f4x4: prn_winograd43_weights(weight, u, c, o, adjoint ? 1 : 0, first, count)
        }
    }

    /// Rows of tiles `r` of each of `samples` samples from x through the kernels (gather,
    /// products, output) into the matching rows of y; whole samples are rows 0..<tileRows.
    func convolve(_ x: UnsafePointer<Float>, samples n: Int, rows r: Range<Int>, channels c: Int, outs o: Int,
                  height h: Int, width w: Int, padding p: Int, weights u: UnsafePointer<Float>, buffers: WinogradBuffers,
                  tiles t: Int, into y: UnsafeMutablePointer<Float>, epilogue e: WinogradEpilogue) {
        let relu: Int32 = e.relu ? 1 : 0
        switch self {
        case .f2x2:
            prn_winograd_gather(x, buffers.rows, c, n, h, w, p, t, r.lowerBound, r.count)
            prn_winograd_conv(buffers.rows, u, buffers.scratch, buffers.grid, c, o, t)
            prn_winograd_output(buffers.grid, y, o, n, h, w, p, t, r.lowerBound, r.count, e.scale, e.shift, e.residual, relu)
        case .f4x4:
            prn_winograd43_gather(x, buffers.rows, c, n, h, w, p, t, r.lowerBound, r.count)
            prn_winograd43_conv(buffers.rows, u, buffers.scratch, buffers.grid, c, o, t)
            prn_winograd43_output(buffers.grid, y, o, n, h, w, p, t, r.lowerBound, r.count, e.scale, e.shift, e.residual,
                                  relu)
        }
    }

    /// Floats of the buffers of one weight-gradient call over `tiles` tiles: the gathered inputs,
    /// the gathered output gradients, the chunk's transforms, and the running sums.
    func weightGradientSizes(channels c: Int, outs o: Int, tiles t: Int) -> (rows: Int, dyRows: Int, scratch: Int, sums: Int) {
        switch self {
        case .f2x2: (prn_winograd_rows_size(c, t), prn_winograd_dy_rows_size(o, t),
                     prn_winograd_weight_grad_scratch_size(c, o, t), prn_winograd_weight_grad_sums_size(c, o))
        case .f4x4: (prn_winograd43_rows_size(c, t), prn_winograd43_dy_rows_size(o, t),
                     prn_winograd43_weight_grad_scratch_size(c, o, t), prn_winograd43_weight_grad_sums_size(c, o))
        }
    }

    /// Adds the transformed-domain products of `samples` samples x and their output gradients dy
    /// to `sums` (CKernels/winograd_weight_grad.c, winograd43_weight_grad.c).
    func accumulateWeightGradient(_ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, samples n: Int, channels c: Int,
                                  outs o: Int, height h: Int, width w: Int, padding p: Int, buffers b: WinogradGradientBuffers) {
        let t = tiles(samples: n, height: h, width: w, padding: p)
        switch self {
        case .f2x2: prn_winograd_weight_grad(x, dy, b.rows, b.dyRows, b.scratch, b.sums, c, o, n, h, w, p, t)
        case .f4x4: prn_winograd43_weight_grad(x, dy, b.rows, b.dyRows, b.scratch, b.sums, c, o, n, h, w, p, t)
        }
    }

    /// dw [outs, channels, 3, 3] += the weight gradient of the sums.
    func finishWeightGradient(_ sums: UnsafePointer<Float>, into dw: UnsafeMutablePointer<Float>, channels c: Int, outs o: Int) {
        switch self {
        case .f2x2: prn_winograd_weight_grad_finish(sums, dw, c, o)
        case .f4x4: prn_winograd43_weight_grad_finish(sums, dw, c, o)
        }
    }

    /// Multiply-adds of the products (per input and output channel) of `batch` samples on
    /// `threads` threads, as WinogradConvolution splits them: bands of rows per thread below one
    /// sample per thread, else whole samples (their tiles counted without rounding, as groups of
    /// samples fill the vectors).
    func products(batch: Int, height h: Int, width w: Int, padding p: Int, threads: Int) -> Int {
        let rows = tileRows(height: h, padding: p)
        guard batch < threads else {
            let perRow = bandTiles(rows: 16, width: w, padding: p) / 16  // tiles across, spare included
            return elements * batch * rows * perRow
        }
        let bands = Swift.min(threads, rows)
        let tiles = (0..<bands).reduce(0) { sum, i in
            sum + bandTiles(rows: rows * (i + 1) / bands - rows * i / bands, width: w, padding: p)
        }
        return elements * batch * tiles
    }

    /// F(4x4, 3x3) for a convolution of this shape: when its products are at most 80% of
    /// F(2x2, 3x3)'s (its transforms cost about as much per output as the smaller ones').
    static func fewerProducts(batch: Int, height h: Int, width w: Int, padding p: Int, threads: Int) -> Bool {
        let large = WinogradForm.f4x4.products(batch: batch, height: h, width: w, padding: p, threads: threads)
        let small = WinogradForm.f2x2.products(batch: batch, height: h, width: w, padding: p, threads: threads)
        return 5 * large <= 4 * small
    }
}

/// The calling thread's buffers for the weight-gradient calls of one worker.
struct WinogradGradientBuffers {
    let rows: UnsafeMutablePointer<Float>
    let dyRows: UnsafeMutablePointer<Float>
    let scratch: UnsafeMutablePointer<Float>
    let sums: UnsafeMutablePointer<Float>
}

/// The calling thread's buffers for one Winograd call.
struct WinogradBuffers {
    let rows: UnsafeMutablePointer<Float>
    let scratch: UnsafeMutablePointer<Float>
    let grid: UnsafeMutablePointer<Float>
}

/// What the output pass applies: scale * y + shift (+ residual), then ReLU.
struct WinogradEpilogue {
    let scale: UnsafePointer<Float>?
    let shift: UnsafePointer<Float>?
    let residual: UnsafePointer<Float>?
    let relu: Bool

    /// The same epilogue for the samples from `start` on (the residual is laid out as the output).
    func from(sample start: Int, outItem: Int) -> WinogradEpilogue {
        WinogradEpilogue(scale: scale, shift: shift, residual: residual.map { $0 + start * outItem }, relu: relu)
    }
}

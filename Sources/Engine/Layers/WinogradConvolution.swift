import CKernels

/// Stride-1 3x3 convolutions (padding 0-2) as Winograd F(2x2, 3x3) (CKernels/winograd_conv.c):
/// 16 multiply-adds per 2x2 block of outputs and input channel instead of 36. Conv2d runs its
/// forward and, as the adjoint convolution, its input gradient through one of these each.
///
/// Each worker takes a contiguous block of the batch and convolves it a group of samples per
/// call: the kernel numbers the 2x2 tiles of all samples of a call in one sequence, so a group of
/// small images (8x8: 20 tiles each) still fills the kernel's vectors of 16 tiles and its chunks.
/// Every output is computed from its own sample only, in a fixed order, so results do not depend
/// on the thread count. The per-call buffers are the worker thread's (`prn_thread_scratch`), shared
/// by all layers; only the transformed weight belongs to the layer.
final class WinogradConvolution {
    private var transformed: Tensor?

    /// Tiles a call should cover: past this the lanes and chunks are nearly all full, and a larger
    /// group only grows the buffers.
    static let minimumTiles = 512

    static func applies(_ g: ConvGeometry) -> Bool { g.stride == 1 && g.kernel == 3 && g.padding <= 2 }

    func reset() { transformed = nil }

    /// y [batch, outs, OH, OW] = scale * conv(x) + shift (then ReLU), x [batch, channels, H, W];
    /// `weights` in prn_direct_conv's layout ([channels * 9][outs rounded up to 8]).
    func run(_ x: UnsafePointer<Float>, batch: Int, channels c: Int, outs o: Int, height h: Int, width w: Int,
             padding p: Int, weights: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>,
             scale: UnsafePointer<Float>?, shift: UnsafePointer<Float>?, relu: Bool, workers: Int) {
        let u = Tensor.reuse(&transformed, shape: [16 * c * ((o + 7) / 8 * 8)])
        prn_winograd_weights(weights, u.data, c, o)
        let perSample = prn_winograd_tiles(1, h, w, p)
        let largest = (batch + workers - 1) / workers
        let group = Swift.max(1, Swift.min(largest, (WinogradConvolution.minimumTiles + perSample - 1) / perSample))
        let tiles = prn_winograd_tiles(group, h, w, p)
        let rowsSize = prn_winograd_rows_size(c, tiles), scratchSize = prn_winograd_scratch_size(c, tiles)
        let gridSize = prn_winograd_grid_size(o, tiles)
        let inItem = c * h * w, outItem = o * (h + 2 * p - 2) * (w + 2 * p - 2), up = UnsafePointer(u.data)
        Parallel.chunks(workers, threads: workers) { r in
            for worker in r {
                guard let rowsp = prn_thread_scratch(0, rowsSize), let scratch = prn_thread_scratch(1, scratchSize),
                      let grid = prn_thread_scratch(2, gridSize) else {
                    preconditionFailure("conv2d: out of memory for Winograd scratch (\(rowsSize + scratchSize + gridSize) floats)")
                }
                var start = batch * worker / workers
                let end = batch * (worker + 1) / workers
                while start < end {
                    let n = Swift.min(group, end - start), t = prn_winograd_tiles(n, h, w, p)
                    prn_winograd_gather(x + start * inItem, rowsp, c, n, h, w, p, t)
                    prn_winograd_conv(rowsp, up, scratch, grid, c, o, n, h, w, p, t)
                    prn_winograd_output(grid, y + start * outItem, o, n, h, w, p, t, scale, shift, relu ? 1 : 0)
                    start += n
                }
            }
        }
    }
}

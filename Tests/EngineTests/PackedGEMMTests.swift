import CKernels
import XCTest
@testable import Engine

/// prn_packed_gemm (CKernels/packed_gemm.c) against the plain triple loop, and the eval-mode
/// convolutions that use it against the reference convolution (its kept weight is tested with
/// the other kept transforms, Conv2dTests.testKeptWeightTransformsFollowAWeightWrittenInPlace).
final class PackedGEMMTests: XCTestCase {
    /// Row counts around the 32-row blocks and their 16-row halves, column counts around the
    /// 14-column tiles (the last tile read from a copy; one of 7 or fewer columns takes the
    /// 7-column kernel), row strides past the column count.
    func testMatchesTripleLoopOnOddShapes() {
        var rng = RandomStream(seed: 31)
        for m in [1, 8, 16, 17, 32, 33, 40, 64, 70] {
            for (k, n) in [(1, 1), (5, 13), (147, 14), (9, 15), (33, 29), (64, 49), (7, 7), (12, 20), (20, 36)] {
                let ldx = n + 3, ldy = n + 2
                let w = (0..<(m * k)).map { _ in rng.uniform(-1, 1) }
                let x = (0..<(k * ldx)).map { _ in rng.uniform(-1, 1) }
                let scale = (0..<m).map { _ in rng.uniform(0.5, 2) }, shift = (0..<m).map { _ in rng.uniform(-1, 1) }
                var packed = [Float](repeating: .nan, count: prn_packed_gemm_weight_size(m, k))
                prn_packed_gemm_pack(w, m, k, &packed)
                var tail = [Float](repeating: .nan, count: prn_packed_gemm_tail_size(k))
                let items = (m + 31) / 32 * prn_packed_gemm_tiles(n)
                for relu in [false, true] {
                    for parts in [1, 3] {
                        // Sentinels past each row's n columns must survive.
                        var y = [Float](repeating: 7, count: m * ldy)
                        for p in 0..<parts {
                            let first = items * p / parts, last = items * (p + 1) / parts
                            prn_packed_gemm(packed, x, ldx, &y, ldy, m, k, n, first, last - first, scale, shift,
                                            relu ? 1 : 0, &tail)
                        }
                        var worst: Float = 0
                        for i in 0..<m {
                            for j in 0..<n {
                                var s: Float = 0
                                for t in 0..<k { s += w[i * k + t] * x[t * ldx + j] }
                                var want = scale[i] * s + shift[i]
                                if relu { want = max(want, 0) }
                                worst = max(worst, abs(y[i * ldy + j] - want) / max(1, abs(want)))
                            }
                            for j in n..<ldy { XCTAssertEqual(y[i * ldy + j], 7, "m\(m) k\(k) n\(n): wrote past column \(n)") }
                        }
                        XCTAssertLessThan(worst, 1e-5, "m\(m) k\(k) n\(n) relu \(relu) in \(parts) parts")
                    }
                }
            }
        }
    }

    /// prn_packed_conv, which reads the padded input in place, against im2col + prn_packed_gemm bit
    /// for bit, on each of its tiles: kernel 1 and 3, stride 1 and 2, output rows 14 or 28 wide
    /// (tiles in one row) and 7 wide (two rows of 7; an odd row count ends with one row of 7),
    /// block heights around 16 and 32, split across calls; with a residual against the product
    /// followed by the separate add + ReLU pass.
    func testInPlaceConvolutionMatchesTheColumnMatrixBitForBit() {
        var rng = RandomStream(seed: 41)
        // (channels, outs, kernel, stride, padding, height, width); with AVX2 the tiles run the
        // channels in chunks of 8 (3x3) or 72 (1x1): 9, 16, 20 and 75 channels end on a chunk's
        // first channel, on its last, and in the middle.
        let shapes = [(5, 40, 3, 2, 1, 28, 28), (3, 17, 3, 2, 1, 14, 13), (6, 33, 1, 2, 0, 14, 14), (4, 16, 1, 2, 0, 27, 56),
                      (7, 20, 3, 1, 1, 7, 7), (5, 48, 3, 1, 0, 9, 9), (3, 8, 1, 1, 1, 5, 5), (2, 70, 3, 2, 1, 13, 13),
                      (9, 32, 3, 1, 1, 14, 14), (3, 12, 3, 2, 2, 8, 12), (16, 40, 3, 2, 1, 14, 14), (20, 70, 1, 1, 1, 12, 12),
                      (20, 36, 3, 2, 1, 28, 28), (75, 33, 1, 2, 0, 14, 14)]
        for (c, m, k, s, p, h, w) in shapes {
            let oh = (h + 2 * p - k) / s + 1, ow = (w + 2 * p - k) / s + 1, n = oh * ow, taps = c * k * k
            XCTAssertEqual(prn_packed_conv_applies(k, s, ow), 1, "\(ow) wide")
            let x = (0..<(c * h * w)).map { _ in rng.uniform(-1, 1) }
            let weight = (0..<(m * taps)).map { _ in rng.uniform(-1, 1) }
            let scale = (0..<m).map { _ in rng.uniform(0.5, 2) }, shift = (0..<m).map { _ in rng.uniform(-1, 1) }
            var packed = [Float](repeating: .nan, count: prn_packed_gemm_weight_size(m, taps))
            prn_packed_gemm_pack(weight, m, taps, &packed)
            var col = [Float](repeating: 0, count: taps * n)
            prn_im2col(x, &col, c, h, w, k, s, p, n)
            var padded = [Float](repeating: .nan, count: c * (h + 2 * p) * (w + 2 * p))
            prn_packed_conv_pad_rows(x, &padded, c, h, w, p, 0, h + 2 * p)
            var tail = [Float](repeating: .nan, count: prn_packed_gemm_tail_size(taps))
            let items = (m + 31) / 32 * prn_packed_gemm_tiles(n)
            let residual = (0..<(m * n)).map { _ in rng.uniform(-2, 2) }
            for relu in [false, true] {
                for withResidual in [false, true] {
                    // With a residual, the separate path: the product with its scale and shift,
                    // then the add and the ReLU in one pass.
                    var want = [Float](repeating: 7, count: m * n), got = want
                    prn_packed_gemm(packed, col, n, &want, n, m, taps, n, 0, items, scale, shift,
                                    relu && !withResidual ? 1 : 0, &tail)
                    if withResidual { prn_add_relu(want, residual, &want, m * n, relu ? 1 : 0) }
                    for part in 0..<3 {
                        let first = items * part / 3, last = items * (part + 1) / 3
                        prn_packed_conv(packed, padded, c, h + 2 * p, w + 2 * p, k, s, oh, ow, &got, n, m, first,
                                        last - first, scale, shift, withResidual ? residual : nil, relu ? 1 : 0)
                    }
                    XCTAssertEqual(got.map(\.bitPattern), want.map(\.bitPattern),
                                   "\(c)->\(m) k\(k) s\(s) p\(p) \(h)x\(w) relu \(relu) residual \(withResidual)")
                    // By bands of output rows, each from only its padded input rows (as Conv2d
                    // splits a sample across threads), in units of rows no tile straddles.
                    let unit = ow < 14 ? 2 : 1, units = (oh + unit - 1) / unit
                    var banded = [Float](repeating: 7, count: m * n)
                    for part in 0..<3 {
                        let rows = (units * part / 3 * unit)..<min(units * (part + 1) / 3 * unit, oh)
                        if rows.isEmpty { continue }
                        let top = rows.lowerBound * s, height = (rows.count - 1) * s + k, at = rows.lowerBound * ow
                        var band = [Float](repeating: .nan, count: c * height * (w + 2 * p))
                        prn_packed_conv_pad_rows(x, &band, c, h, w, p, top, height)
                        banded.withUnsafeMutableBufferPointer { out in
                            residual.withUnsafeBufferPointer { res in
                                prn_packed_conv(packed, band, c, height, w + 2 * p, k, s, rows.count, ow, out.baseAddress! + at, n, m,
                                                0, (m + 31) / 32 * prn_packed_gemm_tiles(rows.count * ow), scale, shift,
                                                withResidual ? res.baseAddress! + at : nil, relu ? 1 : 0)
                            }
                        }
                    }
                    XCTAssertEqual(zip(banded, want).filter { $0.0.bitPattern != $0.1.bitPattern }.count, 0,
                                   "outputs differing by bands: \(c)->\(m) k\(k) s\(s) p\(p) \(h)x\(w) relu \(relu) residual \(withResidual)")
                }
            }
        }
    }

    /// Eval forwards of the shapes that take the im2col path (strided, 1x1, 7x7/2 on a map too
    /// small for the phase split, a map narrower than the direct kernel takes, and a 1x1/2 wide
    /// enough for the subsampled direct kernel with the direct kernels turned off), with bias,
    /// through a fused batch-norm/ReLU epilogue, at batch 1 (threads split the product: by
    /// output rows, each thread padding its own input rows, where the input outweighs the weight,
    /// as in the last two shapes, 14 rows of two tiles and 7 rows of 7) and batch 3 (threads take
    /// samples).
    func testEvalConvolutionsMatchReference() {
        var rng = RandomStream(seed: 37)
        let shapes = [(3, 40, 7, 2, 3, 13, 13, true), (24, 48, 3, 2, 1, 15, 14, true), (16, 33, 1, 1, 0, 7, 9, true),
                      (16, 20, 1, 2, 0, 13, 13, true), (40, 64, 3, 1, 1, 7, 7, true), (8, 24, 3, 2, 1, 28, 28, true),
                      (12, 40, 1, 2, 0, 28, 28, false), (20, 36, 3, 2, 1, 13, 14, true),
                      (6, 40, 3, 2, 1, 28, 56, true), (5, 36, 3, 2, 1, 13, 14, true)]
        for (cin, cout, k, s, p, h, w, direct) in shapes {
            let conv = Conv2d(cin, cout, kernel: k, stride: s, padding: p, bias: true)
            conv.initialize(&rng)
            let g = conv.geometry(height: h, width: w)
            let configuration = { (threads: Int) in EngineConfiguration(threads: threads, directConvolution: direct) }
            _ = conv.forward([GradCheck.randomTensor([1, cin, h, w], &rng)], mode: .eval, configuration: configuration(1))
            XCTAssertFalse(conv.directConvolution(g) || conv.phaseSplit(g) || conv.subsampledPointwise(g, batch: 3),
                           "\(cin)->\(cout) k\(k) s\(s) must take the im2col path")
            XCTAssertTrue(Conv2d.packedTilesFit(g.outHeight * g.outWidth), "\(g.outHeight)x\(g.outWidth) outputs")
            for (batch, threads) in [(1, 1), (1, 2), (1, 3), (3, 1), (3, 2)] {
                let x = GradCheck.randomTensor([batch, cin, h, w], &rng)
                let ref = Tensor(shape: [batch, cout, g.outHeight, g.outWidth])
                ConvReference.forward(g, batch: batch, outChannels: cout, x: x.data, weight: conv.weight.value.data,
                                      bias: conv.bias?.value.data, y: ref.data)
                let y = conv.forward([x], mode: .eval, configuration: configuration(threads))
                assertClose(y, ref, "\(cin)->\(cout) k\(k) s\(s) batch \(batch), \(threads) threads")
                let norm = BatchNorm(cout)
                for c in 0..<cout {
                    norm.runningMean.value.data[c] = rng.uniform(-1, 1)
                    norm.runningVar.value.data[c] = rng.uniform(0.5, 2)
                }
                let e = ConvEpilogue(conv: conv, norm: norm, relu: true)
                let fused = conv.forwardEval(x, epilogue: e, configuration: configuration(threads))
                let plane = g.outHeight * g.outWidth
                for b in 0..<batch {
                    for c in 0..<cout {
                        let offset = (b * cout + c) * plane
                        let bias = conv.bias!.value[c]
                        for q in 0..<plane { ref.data[offset + q] = max(0, e.scale[c] * (ref.data[offset + q] - bias) + e.shift[c]) }
                    }
                }
                assertClose(fused, ref, "\(cin)->\(cout) k\(k) s\(s) fused, batch \(batch), \(threads) threads")
            }
        }
    }

    private func assertClose(_ a: Tensor, _ b: Tensor, _ what: String, line: UInt = #line) {
        XCTAssertEqual(a.shape, b.shape, what, line: line)
        var worst: Float = 0
        for i in 0..<min(a.count, b.count) { worst = max(worst, abs(a[i] - b[i]) / max(1, abs(b[i]))) }
        XCTAssertLessThan(worst, 1e-4, what, line: line)
    }
}

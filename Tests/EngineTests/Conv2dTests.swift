import XCTest
@testable import Engine

final class Conv2dTests: XCTestCase {
    /// (in, out, kernel, stride, padding, H, W): 3x3 same, strided, padded-strided, 1x1 (the
    /// im2col-free path), 1x1 strided, 5x5 valid, non-square input.
    private let cases: [(Int, Int, Int, Int, Int, Int, Int)] = [
        (3, 4, 3, 1, 1, 6, 6), (2, 3, 3, 2, 0, 7, 7), (2, 3, 3, 2, 1, 6, 5), (4, 5, 1, 1, 0, 5, 5),
        (3, 2, 1, 2, 0, 5, 6), (2, 2, 5, 1, 0, 7, 8), (1, 3, 2, 3, 2, 5, 4),
    ]

    func testIm2colMatchesDirectConvolution() {
        var rng = RandomStream(seed: 11)
        for (cin, cout, k, s, p, h, w) in cases {
            for bias in [true, false] {
                let conv = Conv2d(cin, cout, kernel: k, stride: s, padding: p, bias: bias)
                conv.initialize(&rng)
                let batch = 3
                let x = GradCheck.randomTensor([batch, cin, h, w], &rng)
                let g = conv.geometry(height: h, width: w)
                let y = conv.forward([x], mode: .train)
                XCTAssertEqual(y.shape, [batch, cout, g.outHeight, g.outWidth])
                XCTAssertEqual(try conv.outputShape([[cin, h, w]]), [cout, g.outHeight, g.outWidth])
                let ref = Tensor(shape: y.shape)
                ConvReference.forward(g, batch: batch, outChannels: cout, x: x.data, weight: conv.weight.value.data,
                                      bias: conv.bias?.value.data, y: ref.data)
                assertClose(y, ref, "forward k\(k) s\(s) p\(p)")

                let dy = GradCheck.randomTensor(y.shape, &rng)
                conv.weight.grad.fill(0.5)          // accumulation: gradients must add onto this
                conv.bias?.grad.fill(0.5)
                guard let dx = conv.backward(dy, needInputGrad: [true])[0] else { return XCTFail("no dx") }
                let refDx = Tensor(shape: x.shape), refDw = Tensor(shape: conv.weight.value.shape, repeating: 0.5)
                let refDb = Tensor(shape: [cout], repeating: 0.5)
                ConvReference.backward(g, batch: batch, outChannels: cout, x: x.data, weight: conv.weight.value.data,
                                       dy: dy.data, dx: refDx.data, dw: refDw.data, db: refDb.data)
                assertClose(dx, refDx, "dx k\(k) s\(s) p\(p)")
                assertClose(conv.weight.grad, refDw, "dw k\(k) s\(s) p\(p)")
                if let b = conv.bias { assertClose(b.grad, refDb, "db k\(k) s\(s) p\(p)") }
                XCTAssertNil(conv.backward(dy, needInputGrad: [false])[0])
            }
        }
    }

    /// col2im (the stride-2 and other column-matrix backwards) against the scatter it replaces,
    /// on strides 1-3, paddings past the kernel (rows no column reaches), odd sizes, rows wider
    /// than the kernel's buffer (summed a window at a time, at strides 2 and 3) and a stride
    /// wider than it; dx starts as garbage, since col2im overwrites it.
    func testCol2imMatchesScatter() {
        var rng = RandomStream(seed: 5)
        for (c, k, s, p, h, w) in [(2, 3, 2, 1, 7, 9), (3, 3, 2, 0, 8, 8), (1, 2, 3, 2, 5, 4), (2, 5, 1, 2, 6, 7),
                                   (1, 3, 2, 1, 3, 1500), (2, 1, 2, 0, 5, 6), (1, 4, 3, 3, 10, 11),
                                   (1, 3, 3, 1, 2, 2500), (1, 3, 1100, 1, 2, 2500)] {
            let g = ConvGeometry(channels: c, height: h, width: w, kernel: k, stride: s, padding: p)
            let col = GradCheck.randomTensor([g.colRows, g.colCols], &rng)
            let dx = Tensor(shape: [c, h, w], repeating: 12345), ref = Tensor(shape: [c, h, w], repeating: 0)
            ConvKernels.col2im(g, col.data, dx.data)
            for r in 0..<g.colRows {
                let ch = r / (k * k), ki = r / k % k, kj = r % k
                for o in 0..<g.outHeight { for q in 0..<g.outWidth {
                    let ih = o * s - p + ki, iw = q * s - p + kj
                    guard ih >= 0, ih < h, iw >= 0, iw < w else { continue }
                    ref.data[(ch * h + ih) * w + iw] += col.data[r * g.colCols + o * g.outWidth + q]
                } }
            }
            assertClose(dx, ref, "c\(c) k\(k) s\(s) p\(p) \(h)x\(w)")
        }
    }

    /// Small images are convolved several samples per GEMM; group edges (uneven batches, both
    /// workers, with and without bias) must give exactly the per-sample reference.
    /// Stride-1 convolutions run forward and backward (input gradient) without a column matrix
    /// (padded-width grid, 8-channel blocks, 16-position tiles): channel counts that are not
    /// multiples of 8, widths that are not multiples of 16, non-square images, 3x3 and 5x5,
    /// "same", valid and partial padding, with and without bias.
    func testDirectConvolutionMatchesReference() {
        var rng = RandomStream(seed: 13)
        let directOnly = EngineConfiguration(winograd: false)
        let cases = [(3, 5, 3, 1, 8, 8), (4, 13, 3, 1, 9, 12), (2, 8, 5, 2, 10, 8), (16, 17, 3, 1, 16, 16), (1, 3, 3, 1, 31, 33),
                     (3, 5, 3, 0, 12, 12), (2, 4, 5, 1, 16, 16)]
        for (cin, cout, k, pad, h, w) in cases {
            for bias in [true, false] {
                let conv = Conv2d(cin, cout, kernel: k, stride: 1, padding: pad, bias: bias)
                conv.initialize(&rng)
                let g = conv.geometry(height: h, width: w)
                XCTAssertTrue(conv.directConvolution(g), "\(cin)x\(h)x\(w) k\(k) p\(pad) takes the direct path")
                XCTAssertTrue(conv.directConvolution(conv.adjointGeometry(g)), "and so does its input gradient")
                let x = GradCheck.randomTensor([3, cin, h, w], &rng)
                let y = conv.forward([x], mode: .eval, configuration: directOnly)
                let ref = Tensor(shape: y.shape)
                ConvReference.forward(g, batch: 3, outChannels: cout, x: x.data, weight: conv.weight.value.data,
                                      bias: conv.bias?.value.data, y: ref.data)
                assertClose(y, ref, "direct forward \(cin)->\(cout) k\(k) \(h)x\(w) bias \(bias)")
                // Training forwards take the same path and keep the input for the backward pass.
                assertClose(conv.forward([x], mode: .train, configuration: directOnly), ref, "direct training forward")
                let dy = GradCheck.randomTensor(y.shape, &rng)
                conv.weight.grad.zero()
                let dx = conv.backward(dy, needInputGrad: [true])[0]!
                let refDx = Tensor(shape: x.shape), refDw = Tensor(shape: conv.weight.value.shape), refDb = Tensor(shape: [cout])
                ConvReference.backward(g, batch: 3, outChannels: cout, x: x.data, weight: conv.weight.value.data,
                                       dy: dy.data, dx: refDx.data, dw: refDw.data, db: refDb.data)
                assertClose(dx, refDx, "dx after a direct training forward")
                assertClose(conv.weight.grad, refDw, "dw after a direct training forward")
            }
        }
    }

    /// 3x3 stride-1 convolutions as Winograd F(2x2, 3x3), forward (with and without the fused
    /// epilogue), input gradient and weight gradient (added to what the weight holds): odd output sizes (a last half row and column of tiles),
    /// padding 0, 1 and 2, output counts that leave a partial block of 8, tile counts that end in
    /// a partial vector, groups of small images that end in a partial group, a chunked 64-channel
    /// layer, one to four threads, and fewer samples than threads: a sample's rows of tiles split
    /// into bands across threads (bands of unequal rows, a band ending in a partial vector of tiles
    /// or in a single output row, several chunks per band, one row per band, more threads than
    /// rows).
    func testWinogradMatchesReference() {
        var rng = RandomStream(seed: 16)
        for (cin, cout, pad, h, w, batch, threads) in [(3, 5, 1, 8, 8, 3, 1), (4, 13, 1, 9, 12, 5, 2), (16, 17, 1, 16, 16, 4, 2),
                                                       (1, 3, 1, 31, 33, 2, 2), (3, 5, 0, 12, 11, 3, 3), (2, 9, 2, 7, 10, 6, 2),
                                                       (7, 16, 1, 8, 8, 41, 2), (64, 64, 1, 8, 8, 3, 1), (5, 8, 1, 32, 32, 2, 1),
                                                       (5, 13, 1, 16, 16, 1, 2), (4, 40, 1, 10, 11, 2, 3), (2, 17, 0, 10, 11, 1, 4),
                                                       (6, 11, 1, 14, 14, 2, 2), (3, 8, 1, 28, 28, 1, 2), (2, 9, 1, 56, 56, 1, 2),
                                                       (3, 11, 1, 20, 18, 2, 3), (64, 16, 1, 30, 30, 1, 2),
                                                       (3, 5, 2, 3, 8, 1, 4), (2, 7, 0, 6, 12, 1, 3)] {
            let (conv, g, x) = randomConv3x3(cin, cout, padding: pad, height: h, width: w, batch: batch, &rng)
            let config = EngineConfiguration(threads: threads, winograd4x4: false)
            let y = conv.forward([x], mode: .train, configuration: config)
            let what = "\(cin)->\(cout) p\(pad) \(h)x\(w) batch \(batch) threads \(threads)"
            XCTAssertTrue(conv.winogradConvolution(g), "\(what) runs Winograd")
            XCTAssertEqual(conv.winogradForm(g, batch: batch), .f2x2, "\(what) runs F(2x2, 3x3)")
            XCTAssertTrue(conv.winogradConvolution(conv.adjointGeometry(g)), "and so does its input gradient")
            let ref = Tensor(shape: y.shape)
            ConvReference.forward(g, batch: batch, outChannels: cout, x: x.data, weight: conv.weight.value.data,
                                  bias: conv.bias?.value.data, y: ref.data)
            assertClose(y, ref, "Winograd forward \(what)")
            let dy = GradCheck.randomTensor(y.shape, &rng)
            conv.weight.grad.fill(0.25)
            let dx = conv.backward(dy, needInputGrad: [true])[0]!
            let refDx = Tensor(shape: x.shape), refDw = Tensor(shape: conv.weight.value.shape, repeating: 0.25)
            ConvReference.backward(g, batch: batch, outChannels: cout, x: x.data, weight: conv.weight.value.data,
                                   dy: dy.data, dx: refDx.data, dw: refDw.data, db: nil)
            assertClose(dx, refDx, "Winograd input gradient \(what)")
            assertClose(conv.weight.grad, refDw, "Winograd weight gradient, added to the one held \(what)")
            assertFusedEpilogueMatches(conv, x, configuration: config, &rng, "fused Winograd forward \(what)")
        }
    }

    /// Forwards and input gradients as Winograd F(4x4, 3x3): output sizes that end in a partial
    /// row and column of tiles, padding 0, 1 and 2, output counts that leave a partial block of 8,
    /// groups of small images, a layer of several chunks, a 64-channel layer, and fewer samples
    /// than threads (bands of one and several rows of tiles); eval forwards plain, with batch norm
    /// and ReLU, and with a residual join, training forwards, and input gradients through the
    /// adjoint convolution's F(4x4, 3x3) weight, all within 1e-4 of the reference convolution; and
    /// the weight gradient (added to what the weight holds) after such a forward.
    /// `winograd4x4` off keeps F(2x2, 3x3).
    func testWinograd4x4MatchesReference() {
        var rng = RandomStream(seed: 17)
        var adjoints = 0
        for (cin, cout, pad, h, w, batch, threads) in [(3, 5, 1, 8, 8, 3, 1), (4, 13, 1, 9, 12, 5, 2), (16, 17, 1, 16, 16, 4, 2),
                                                       (5, 13, 1, 32, 32, 1, 2), (3, 8, 1, 28, 28, 1, 2), (2, 9, 1, 56, 56, 1, 2),
                                                       (64, 16, 1, 24, 24, 2, 4), (2, 7, 2, 19, 30, 1, 2), (3, 11, 0, 34, 20, 2, 1),
                                                       (64, 64, 1, 8, 8, 5, 1), (16, 9, 1, 40, 40, 1, 1)] {
            let (conv, g, x) = randomConv3x3(cin, cout, padding: pad, height: h, width: w, batch: batch, &rng)
            let config = EngineConfiguration(threads: threads)
            let what = "\(cin)->\(cout) p\(pad) \(h)x\(w) batch \(batch) threads \(threads)"
            let y = conv.forward([x], mode: .eval, configuration: config)
            XCTAssertEqual(conv.winogradForm(g, batch: batch), .f4x4, "\(what) runs F(4x4, 3x3)")
            let ref = Tensor(shape: y.shape)
            ConvReference.forward(g, batch: batch, outChannels: cout, x: x.data, weight: conv.weight.value.data,
                                  bias: conv.bias?.value.data, y: ref.data)
            assertClose(y, ref, "F(4x4, 3x3) forward \(what)")
            assertClose(conv.forward([x], mode: .train, configuration: config), ref, "F(4x4, 3x3) training forward \(what)")
            if conv.winogradForm(conv.adjointGeometry(g), batch: batch) == .f4x4 { adjoints += 1 }
            let dy = GradCheck.randomTensor(y.shape, &rng)
            conv.weight.grad.fill(0.25)
            let refDx = Tensor(shape: x.shape), refDw = Tensor(shape: conv.weight.value.shape, repeating: 0.25)
            ConvReference.backward(g, batch: batch, outChannels: cout, x: x.data, weight: conv.weight.value.data,
                                   dy: dy.data, dx: refDx.data, dw: refDw.data, db: nil)
            assertClose(conv.backward(dy, needInputGrad: [true])[0]!, refDx, "F(4x4, 3x3) input gradient \(what)")
            // The weight gradient: F(4x4, 3x3) where it does less work (Winograd4x4WeightGradientTests).
            XCTAssertLessThan(GradCheck.errorToScale(conv.weight.grad, refDw), 2e-5,
                              "weight gradient after an F(4x4, 3x3) forward \(what)")
            assertFusedEpilogueMatches(conv, x, configuration: config, &rng, "fused F(4x4, 3x3) forward \(what)")

            var e = ConvEpilogue(conv: conv, norm: nil, relu: true)
            let residual = GradCheck.randomTensor(y.shape, &rng)
            e.residual = residual
            let joined = conv.forwardEval(x, epilogue: e, configuration: config)
            var worst: Float = 0
            for i in 0..<ref.count { worst = max(worst, abs(joined[i] - max(0, ref[i] + residual[i]))) }
            XCTAssertLessThan(worst, 1e-4, "F(4x4, 3x3) forward with a residual join \(what)")

            let small = EngineConfiguration(threads: threads, winograd4x4: false)
            _ = conv.forward([x], mode: .eval, configuration: small)
            XCTAssertEqual(conv.winogradForm(g, batch: batch), .f2x2, "winograd4x4 off \(what)")
        }
        XCTAssertGreaterThanOrEqual(adjoints, 8, "most input gradients ran F(4x4, 3x3)")
    }

    /// Fewer samples than threads: the direct convolution splits each sample's output channels
    /// into 8-channel blocks across threads. Channel counts that leave a partial last block,
    /// more threads than blocks, and the fused batch-norm/ReLU epilogue per block.
    func testDirectConvolutionSplitAcrossThreadsMatchesReference() {
        var rng = RandomStream(seed: 14)
        // Split by blocks of 8 outputs, by positions (3 and 29 pairs of tiles; 96 channels: each
        // thread's positions in several L2-sized chunks), and across samples.
        for (cin, cout, h, w, batch, threads) in [(3, 9, 9, 12, 1, 2), (5, 13, 16, 16, 1, 2), (4, 40, 10, 11, 2, 3),
                                                   (2, 17, 8, 9, 1, 4), (6, 16, 12, 8, 1, 2), (3, 11, 23, 37, 1, 3),
                                                   (96, 10, 24, 40, 1, 2)] {
            let conv = Conv2d(cin, cout, kernel: 3, stride: 1, padding: 1, bias: true)
            conv.initialize(&rng)
            let g = conv.geometry(height: h, width: w)
            XCTAssertTrue(conv.directConvolution(g))
            let config = EngineConfiguration(threads: threads, winograd: false)
            let x = GradCheck.randomTensor([batch, cin, h, w], &rng)
            let ref = Tensor(shape: [batch, cout, h, w])
            ConvReference.forward(g, batch: batch, outChannels: cout, x: x.data, weight: conv.weight.value.data,
                                  bias: conv.bias?.value.data, y: ref.data)
            assertClose(conv.forward([x], mode: .eval, configuration: config), ref, "split forward \(cin)->\(cout) \(h)x\(w) batch \(batch) threads \(threads)")
            assertFusedEpilogueMatches(conv, x, configuration: config, &rng, "fused split forward \(cin)->\(cout) batch \(batch)")
        }
    }

    /// The eval forward with a batch norm (random affine map) and ReLU fused into its output
    /// pass against the reference convolution followed by the same map.
    /// Batch 1 on the GEMM path (strided 7x7 and 3x3, 1x1 strided): the column matrix is written
    /// by several threads, each a block of (channel, kernel row) pairs.
    func testBatchOneColumnMatrixSplitAcrossThreads() {
        var rng = RandomStream(seed: 23)
        for (cin, cout, k, s, p, h, w) in [(5, 16, 7, 2, 3, 41, 38), (12, 8, 3, 2, 1, 30, 29), (16, 8, 1, 2, 0, 20, 13)] {
            let conv = Conv2d(cin, cout, kernel: k, stride: s, padding: p, bias: true)
            conv.initialize(&rng)
            let g = conv.geometry(height: h, width: w)
            let x = GradCheck.randomTensor([1, cin, h, w], &rng)
            let ref = Tensor(shape: [1, cout, g.outHeight, g.outWidth])
            ConvReference.forward(g, batch: 1, outChannels: cout, x: x.data, weight: conv.weight.value.data,
                                  bias: conv.bias?.value.data, y: ref.data)
            for threads in [1, 2, 3] {
                let y = conv.forward([x], mode: .eval, configuration: EngineConfiguration(threads: threads))
                assertClose(y, ref, "k\(k) s\(s) p\(p) \(h)x\(w) batch 1, \(threads) threads")
            }
        }
    }

    /// Stride-2 convolutions with 5x5 and larger kernels run as stride-1 direct convolutions over
    /// the input's four phases: forwards (train and eval, with bias, through a fused
    /// batch-norm/ReLU epilogue) and the backward after them match the reference, on odd sizes
    /// and paddings, at batch 1 (threads split output channels) and batch 3.
    func testPhaseSplitStrideTwoMatchesReference() {
        var rng = RandomStream(seed: 43)
        for (cin, cout, k, p, h, w) in [(5, 16, 7, 3, 37, 35), (6, 9, 5, 2, 20, 21), (8, 12, 6, 1, 24, 27), (5, 8, 7, 0, 30, 33)] {
            let conv = Conv2d(cin, cout, kernel: k, stride: 2, padding: p, bias: true)
            conv.initialize(&rng)
            let g = conv.geometry(height: h, width: w)
            XCTAssertTrue(conv.phaseSplit(g) && !conv.stridedFewChannels(g), "k\(k) p\(p) \(h)x\(w)")
            assertStrideTwoPathMatchesReference(conv, height: h, width: w, &rng)
        }
    }

    /// The same stride-2 convolutions with at most 4 input channels (an image network's stem) run
    /// on the broadcast kernel, reading the input in place: the same checks, on odd sizes and
    /// paddings, output counts that leave a partial block of 16, rows wider than one unit of 24
    /// positions and more rows than one window of 8; and an eval forward after the weight is
    /// written in place sees the new weight.
    func testStridedFewChannelsMatchesReference() {
        var rng = RandomStream(seed: 44)
        for (cin, cout, k, p, h, w) in [(3, 16, 7, 3, 37, 35), (2, 9, 5, 2, 20, 21), (4, 12, 6, 1, 24, 27),
                                         (3, 8, 7, 0, 30, 33), (1, 40, 7, 3, 29, 64), (3, 20, 11, 5, 21, 52)] {
            let conv = Conv2d(cin, cout, kernel: k, stride: 2, padding: p, bias: true)
            conv.initialize(&rng)
            let g = conv.geometry(height: h, width: w)
            XCTAssertTrue(conv.stridedFewChannels(g), "\(cin) channels k\(k) p\(p) \(h)x\(w)")
            assertStrideTwoPathMatchesReference(conv, height: h, width: w, &rng)
            let x = GradCheck.randomTensor([2, cin, h, w], &rng)
            _ = conv.forward([x], mode: .eval)
            let wv = conv.weight.value
            for i in stride(from: 0, to: wv.count, by: 3) { wv.data[i] = -wv.data[i] * 0.5 }
            let ref = Tensor(shape: [2, cout, g.outHeight, g.outWidth])
            ConvReference.forward(g, batch: 2, outChannels: cout, x: x.data, weight: wv.data, bias: conv.bias?.value.data,
                                  y: ref.data)
            assertClose(conv.forward([x], mode: .eval), ref, "\(cin) channels k\(k): eval forward after an in-place write")
        }
    }

    /// Pointwise stride-2 convolutions run as pointwise direct convolutions over the input's even
    /// rows and columns when each thread has a sample: the same checks (at batch 1 on one thread
    /// and batch 3 this path, at batch 1 on two threads the packed product), on odd sizes (the
    /// last row and column taken or not), with 3 to 64 input channels; outputs narrower than 8
    /// keep the packed product.
    func testSubsampledPointwiseMatchesReference() {
        var rng = RandomStream(seed: 47)
        for (cin, cout, h, w) in [(32, 16, 17, 23), (5, 13, 16, 16), (64, 24, 28, 28), (3, 8, 33, 15)] {
            let conv = Conv2d(cin, cout, kernel: 1, stride: 2, padding: 0, bias: true)
            conv.initialize(&rng)
            XCTAssertTrue(conv.subsampledPointwise(conv.geometry(height: h, width: w), batch: Parallel.threads),
                          "\(cin)->\(cout) \(h)x\(w)")
            assertStrideTwoPathMatchesReference(conv, height: h, width: w, &rng)
        }
        let narrow = Conv2d(8, 8, kernel: 1, stride: 2)
        XCTAssertFalse(narrow.subsampledPointwise(narrow.geometry(height: 13, width: 13), batch: Parallel.threads))
    }

    /// Eval and train forwards and the backward after them against the reference, at batch 1 on
    /// one and two threads and batch 3, and the fused epilogue.
    private func assertStrideTwoPathMatchesReference(_ conv: Conv2d, height h: Int, width w: Int, _ rng: inout RandomStream) {
        let g = conv.geometry(height: h, width: w), cin = conv.inChannels, cout = conv.outChannels
        for (batch, threads) in [(1, 2), (1, 1), (3, 2)] {
            let config = EngineConfiguration(threads: threads)
            let x = GradCheck.randomTensor([batch, cin, h, w], &rng)
            let ref = Tensor(shape: [batch, cout, g.outHeight, g.outWidth])
            ConvReference.forward(g, batch: batch, outChannels: cout, x: x.data, weight: conv.weight.value.data,
                                  bias: conv.bias?.value.data, y: ref.data)
            let what = "\(cin)->\(cout) k\(g.kernel) p\(g.padding) \(h)x\(w) batch \(batch), \(threads) threads"
            assertClose(conv.forward([x], mode: .eval, configuration: config), ref, what + " eval")
            assertClose(conv.forward([x], mode: .train, configuration: config), ref, what + " train")
            let dy = GradCheck.randomTensor(ref.shape, &rng)
            conv.weight.grad.zero()
            conv.bias?.grad.zero()
            guard let dx = conv.backward(dy, needInputGrad: [true])[0] else { return XCTFail("no dx") }
            let refDx = Tensor(shape: x.shape), refDw = Tensor(shape: conv.weight.value.shape, repeating: 0)
            let refDb = Tensor(shape: [cout], repeating: 0)
            ConvReference.backward(g, batch: batch, outChannels: cout, x: x.data, weight: conv.weight.value.data,
                                   dy: dy.data, dx: refDx.data, dw: refDw.data, db: refDb.data)
            assertClose(dx, refDx, what + " input gradient")
            assertClose(conv.weight.grad, refDw, what + " weight gradient")
            assertFusedEpilogueMatches(conv, x, configuration: config, &rng, what)
        }
    }

    /// Eval-mode forwards keep what they derive from the weight between calls: the Winograd
    /// transform, the direct kernel's rearranged weight (also of a phase-split stride-2
    /// convolution) and the packed weight of the im2col path. A weight written in place between
    /// them (as pruning and loading do) must still reach the output.
    func testKeptWeightTransformsFollowAWeightWrittenInPlace() {
        var rng = RandomStream(seed: 21)
        for (kernel, convStride, winograd, path) in [(3, 1, true, "winograd"), (5, 1, false, "direct"),
                                                     (3, 1, false, "direct"), (7, 2, true, "phase split"),
                                                     (1, 2, true, "subsampled"), (3, 2, true, "im2col")] {
            let conv = Conv2d(8, 16, kernel: kernel, stride: convStride, padding: kernel / 2, bias: true)
            conv.initialize(&rng)
            let config = EngineConfiguration(threads: 2, winograd: winograd)
            let size = 12 * convStride
            let x = GradCheck.randomTensor([2, 8, size, size], &rng)
            let g = conv.geometry(height: size, width: size)
            _ = conv.forward([x], mode: .eval, configuration: config)
            let taken = conv.winogradConvolution(g) ? "winograd" : conv.directConvolution(g) ? "direct"
                : conv.phaseSplit(g) ? "phase split" : conv.subsampledPointwise(g, batch: 2) ? "subsampled" : "im2col"
            XCTAssertEqual(taken, path)
            for step in 0..<3 {
                let y = conv.forward([x], mode: .eval, configuration: config).copy()
                let ref = Tensor(shape: y.shape)
                ConvReference.forward(g, batch: 2, outChannels: 16, x: x.data, weight: conv.weight.value.data,
                                      bias: conv.bias?.value.data, y: ref.data)
                assertClose(y, ref, "\(path) k\(kernel) s\(convStride): eval forward after \(step) in-place writes")
                let w = conv.weight.value
                for i in stride(from: step, to: w.count, by: 3) { w.data[i] = -w.data[i] * 0.5 }
            }
        }
    }

    private func assertFusedEpilogueMatches(_ conv: Conv2d, _ x: Tensor, configuration: EngineConfiguration,
                                            _ rng: inout RandomStream, _ what: String, line: UInt = #line) {
        let cout = conv.outChannels, batch = x.shape[0]
        let norm = BatchNorm(cout)
        for c in 0..<cout { norm.weight.value[c] = rng.uniform(0.5, 1.5); norm.bias.value[c] = rng.uniform(-0.5, 0.5) }
        let e = ConvEpilogue(conv: conv, norm: norm, relu: true)
        let fused = conv.forwardEval(x, epilogue: e, configuration: configuration)
        let g = conv.geometry(height: x.shape[2], width: x.shape[3])
        let plain = Tensor(shape: fused.shape)
        ConvReference.forward(g, batch: batch, outChannels: cout, x: x.data, weight: conv.weight.value.data, bias: nil, y: plain.data)
        let hw = g.outHeight * g.outWidth
        var worst: Float = 0
        for b in 0..<batch {
            for c in 0..<cout {
                for q in 0..<hw {
                    let i = (b * cout + c) * hw + q
                    worst = max(worst, abs(fused[i] - max(0, e.scale[c] * plain[i] + e.shift[c])))
                }
            }
        }
        XCTAssertLessThan(worst, 1e-4, what, line: line)
    }

    /// Stride-1 3x3 weight gradients run without a column matrix, several samples per call:
    /// output counts that leave an unpaired channel, widths that are not multiples of 16,
    /// padding 0, 1 and 2, batches that end in a partial group, one to three threads, and the
    /// gradient added onto what the weight already holds.
    func testColumnFreeWeightGradientMatchesReference() {
        var rng = RandomStream(seed: 15)
        for (cin, cout, pad, h, w, batch, threads) in [(3, 7, 1, 8, 8, 11, 2), (5, 2, 0, 9, 13, 3, 1), (2, 9, 2, 6, 7, 5, 3),
                                                       (16, 16, 1, 32, 32, 2, 2), (1, 1, 1, 17, 5, 4, 2), (4, 3, 1, 4, 4, 19, 1)] {
            let conv = Conv2d(cin, cout, kernel: 3, stride: 1, padding: pad, bias: false)
            conv.initialize(&rng)
            let config = EngineConfiguration(threads: threads, winograd: false)
            let g = conv.geometry(height: h, width: w)
            let x = GradCheck.randomTensor([batch, cin, h, w], &rng)
            let y = conv.forward([x], mode: .train, configuration: config)
            XCTAssertTrue(conv.directWeightGradient(g))
            XCTAssertFalse(conv.winogradConvolution(g))
            let dy = GradCheck.randomTensor(y.shape, &rng)
            conv.weight.grad.fill(0.25)
            _ = conv.backward(dy, needInputGrad: [false])
            let refDx = Tensor(shape: x.shape), refDw = Tensor(shape: conv.weight.value.shape, repeating: 0.25)
            ConvReference.backward(g, batch: batch, outChannels: cout, x: x.data, weight: conv.weight.value.data,
                                   dy: dy.data, dx: refDx.data, dw: refDw.data, db: nil)
            assertClose(conv.weight.grad, refDw, "dw \(cin)->\(cout) p\(pad) \(h)x\(w) batch \(batch) threads \(threads)")
        }
    }

    func testGroupedSamplesMatchReference() {
        let gemmOnly = EngineConfiguration(directConvolution: false)
        var rng = RandomStream(seed: 12)
        for (batch, size, bias) in [(9, 6, true), (17, 8, false), (2, 4, true), (33, 5, true)] {
            let conv = Conv2d(3, 5, kernel: 3, stride: 1, padding: 1, bias: bias)
            conv.initialize(&rng)
            let x = GradCheck.randomTensor([batch, 3, size, size], &rng)
            let y = conv.forward([x], mode: .eval, configuration: gemmOnly)
            XCTAssertFalse(conv.directConvolution(conv.geometry(height: size, width: size)), "the GEMM path ran")
            let ref = Tensor(shape: y.shape)
            ConvReference.forward(conv.geometry(height: size, width: size), batch: batch, outChannels: 5, x: x.data,
                                  weight: conv.weight.value.data, bias: conv.bias?.value.data, y: ref.data)
            assertClose(y, ref, "grouped forward batch \(batch) size \(size)")
        }
    }

    func testGradientCheck() {
        var rng = RandomStream(seed: 12)
        for (cin, cout, k, s, p) in [(2, 3, 3, 1, 1), (2, 2, 3, 2, 1), (3, 2, 1, 1, 0)] {
            let conv = Conv2d(cin, cout, kernel: k, stride: s, padding: p)
            conv.initialize(&rng)
            GradCheck.check(conv, inputs: [GradCheck.randomTensor([2, cin, 5, 5], &rng)])
        }
    }

    /// One sample runs the single-worker path (BLAS threads); larger batches split across workers.
    func testBatchSplitMatchesPerSampleRuns() {
        var rng = RandomStream(seed: 13)
        let conv = Conv2d(3, 4, kernel: 3, padding: 1)
        conv.initialize(&rng)
        let x = GradCheck.randomTensor([5, 3, 6, 6], &rng)
        let y = conv.forward([x], mode: .eval).copy()
        let item = x.itemCount, outItem = y.itemCount
        for b in 0..<5 {
            let xb = Tensor(shape: [1, 3, 6, 6], values: Array(x.array[(b * item)..<((b + 1) * item)]))
            let yb = conv.forward([xb], mode: .eval)
            for i in 0..<outItem { XCTAssertEqual(yb[i], y[b * outItem + i], accuracy: 1e-5) }
        }
    }

    func testSizesFollowReplacedParameters() throws {
        var rng = RandomStream(seed: 14)
        let conv = Conv2d(4, 6, kernel: 3, padding: 1)
        conv.initialize(&rng)
        _ = conv.forward([GradCheck.randomTensor([2, 4, 5, 5], &rng)], mode: .train)
        conv.weight.replace(with: GradCheck.randomTensor([3, 2, 3, 3], &rng))
        conv.bias?.replace(with: Tensor(shape: [3]))
        XCTAssertEqual(conv.inChannels, 2)
        XCTAssertEqual(conv.outChannels, 3)
        XCTAssertEqual(try conv.outputShape([[2, 5, 5]]), [3, 5, 5])
        XCTAssertThrowsError(try conv.outputShape([[4, 5, 5]]))
        XCTAssertEqual(conv.macs([[2, 5, 5]]), 2 * 9 * 3 * 25)
        GradCheck.check(conv, inputs: [GradCheck.randomTensor([2, 2, 5, 5], &rng)])
    }

    func testInitSchemes() {
        var rng = RandomStream(seed: 15)
        let conv = Conv2d(8, 16, kernel: 3)
        conv.initialize(&rng, .pytorchDefault)
        let bound = 1 / Float(72).squareRoot()
        XCTAssertTrue(conv.weight.value.array.allSatisfy { abs($0) <= bound })
        XCTAssertTrue(conv.bias!.value.array.allSatisfy { abs($0) <= bound })
        for (scheme, fan) in [(WeightInit.kaimingNormalFanIn, 72), (.kaimingNormalFanOut, 144)] {
            conv.initialize(&rng, scheme)
            let v = conv.weight.value.array
            let variance = v.reduce(0) { $0 + Double($1 * $1) } / Double(v.count)
            XCTAssertEqual(variance, 2 / Double(fan), accuracy: 0.25 * 2 / Double(fan))
            XCTAssertTrue(conv.bias!.value.array.allSatisfy { $0 == 0 })
        }
    }

    /// A 3x3 stride-1 convolution with bias, initialized from `rng`, its geometry and a random input.
    private func randomConv3x3(_ cin: Int, _ cout: Int, padding: Int, height h: Int, width w: Int, batch: Int,
                               _ rng: inout RandomStream) -> (Conv2d, ConvGeometry, Tensor) {
        let conv = Conv2d(cin, cout, kernel: 3, stride: 1, padding: padding, bias: true)
        conv.initialize(&rng)
        return (conv, conv.geometry(height: h, width: w), GradCheck.randomTensor([batch, cin, h, w], &rng))
    }

    private func assertClose(_ a: Tensor, _ b: Tensor, _ what: String, line: UInt = #line) {
        XCTAssertEqual(a.shape, b.shape, what, line: line)
        var worst: Float = 0
        for i in 0..<min(a.count, b.count) { worst = max(worst, abs(a[i] - b[i]) / max(1, abs(b[i]))) }
        XCTAssertLessThan(worst, 1e-4, what, line: line)
    }
}

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

    /// Eval forwards of the shapes that take the im2col path (strided, 1x1, 7x7/2 on a map too
    /// small for the phase split, a map narrower than the direct kernel takes), with bias,
    /// through a fused batch-norm/ReLU epilogue, at batch 1 (threads split the product) and
    /// batch 3 (threads take samples).
    func testEvalConvolutionsMatchReference() {
        var rng = RandomStream(seed: 37)
        let shapes = [(3, 40, 7, 2, 3, 13, 13), (24, 48, 3, 2, 1, 15, 14), (16, 33, 1, 1, 0, 7, 9),
                      (16, 20, 1, 2, 0, 13, 13), (40, 64, 3, 1, 1, 7, 7)]
        for (cin, cout, k, s, p, h, w) in shapes {
            let conv = Conv2d(cin, cout, kernel: k, stride: s, padding: p, bias: true)
            conv.initialize(&rng)
            let g = conv.geometry(height: h, width: w)
            XCTAssertFalse(conv.directConvolution(g) || conv.phaseSplit(g), "\(cin)->\(cout) k\(k) s\(s) must take the im2col path")
            XCTAssertTrue(Conv2d.packedTilesFit(g.outHeight * g.outWidth), "\(g.outHeight)x\(g.outWidth) outputs")
            for (batch, threads) in [(1, 1), (1, 2), (1, 3), (3, 1), (3, 2)] {
                let x = GradCheck.randomTensor([batch, cin, h, w], &rng)
                let ref = Tensor(shape: [batch, cout, g.outHeight, g.outWidth])
                ConvReference.forward(g, batch: batch, outChannels: cout, x: x.data, weight: conv.weight.value.data,
                                      bias: conv.bias?.value.data, y: ref.data)
                let y = conv.forward([x], mode: .eval, configuration: EngineConfiguration(threads: threads))
                assertClose(y, ref, "\(cin)->\(cout) k\(k) s\(s) batch \(batch), \(threads) threads")
                let norm = BatchNorm(cout)
                for c in 0..<cout {
                    norm.runningMean.value.data[c] = rng.uniform(-1, 1)
                    norm.runningVar.value.data[c] = rng.uniform(0.5, 2)
                }
                let e = ConvEpilogue(conv: conv, norm: norm, relu: true)
                let fused = conv.forwardEval(x, epilogue: e, configuration: EngineConfiguration(threads: threads))
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

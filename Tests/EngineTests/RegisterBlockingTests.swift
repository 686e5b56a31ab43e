import CKernels
import XCTest
@testable import Engine

/// The kernels' two accumulator blockings (`prn_force_register_blocking`: for AVX-512's 32 vector
/// registers or AVX2's 16) give the same bits. Whichever one the CPU picks is checked against the
/// reference convolution by Conv2dTests and PackedGEMMTests; equality here shows the other one is
/// right too, on any CPU.
final class RegisterBlockingTests: XCTestCase {
    override func tearDown() {
        prn_force_register_blocking(-1)
        super.tearDown()
    }

    /// `body`'s results under the AVX2 blocking, then under the AVX-512 one.
    private func underBothBlockings(_ body: () -> [[Float]]) -> (narrow: [[Float]], wide: [[Float]]) {
        prn_force_register_blocking(0)
        XCTAssertEqual(prn_wide_registers(), 0)
        let narrow = body()
        prn_force_register_blocking(1)
        XCTAssertEqual(prn_wide_registers(), 1)
        let wide = body()
        prn_force_register_blocking(-1)
        return (narrow, wide)
    }

    private func assertSameBits(_ r: (narrow: [[Float]], wide: [[Float]]), _ what: String, line: UInt = #line) {
        XCTAssertEqual(r.narrow.count, r.wide.count, what, line: line)
        for (i, (a, b)) in zip(r.narrow, r.wide).enumerated() {
            XCTAssertEqual(a.map(\.bitPattern), b.map(\.bitPattern), "\(what), result \(i)", line: line)
        }
    }

    /// prn_packed_gemm on row counts around the 16-row halves and 32-row blocks and column counts
    /// around the 5-column groups and 14-column tiles (and the 7-column tile), and prn_packed_conv
    /// on each of its tile shapes (one row of 14, two rows of 7, a last row of 7), kernels 1 and 3,
    /// strides 1 and 2.
    func testPackedKernelsGiveTheSameBits() {
        var rng = RandomStream(seed: 51)
        for m in [1, 15, 16, 17, 32, 33, 70] {
            for (k, n) in [(1, 1), (5, 4), (9, 6), (7, 7), (33, 11), (64, 14), (20, 29), (147, 49)] {
                let w = (0..<(m * k)).map { _ in rng.uniform(-1, 1) }, x = (0..<(k * n)).map { _ in rng.uniform(-1, 1) }
                let scale = (0..<m).map { _ in rng.uniform(0.5, 2) }, shift = (0..<m).map { _ in rng.uniform(-1, 1) }
                var packed = [Float](repeating: .nan, count: prn_packed_gemm_weight_size(m, k))
                prn_packed_gemm_pack(w, m, k, &packed)
                let items = (m + 31) / 32 * prn_packed_gemm_tiles(n)
                assertSameBits(underBothBlockings {
                    var y = [Float](repeating: 7, count: m * n), tail = [Float](repeating: .nan, count: prn_packed_gemm_tail_size(k))
                    prn_packed_gemm(packed, x, n, &y, n, m, k, n, 0, items, scale, shift, 1, &tail)
                    return [y]
                }, "packed product \(m)x\(k) by \(k)x\(n)")
            }
        }
        // (channels, outs, kernel, stride, padding, height, width)
        for (c, m, k, s, p, h, w) in [(5, 40, 3, 2, 1, 28, 28), (3, 17, 3, 2, 1, 14, 13), (6, 33, 1, 2, 0, 14, 14),
                                      (7, 20, 3, 1, 1, 7, 7), (3, 8, 1, 1, 1, 5, 5), (2, 70, 3, 2, 1, 13, 13),
                                      (9, 16, 3, 1, 1, 14, 14)] {
            let oh = (h + 2 * p - k) / s + 1, ow = (w + 2 * p - k) / s + 1, taps = c * k * k
            let x = (0..<(c * h * w)).map { _ in rng.uniform(-1, 1) }, weight = (0..<(m * taps)).map { _ in rng.uniform(-1, 1) }
            var packed = [Float](repeating: .nan, count: prn_packed_gemm_weight_size(m, taps))
            prn_packed_gemm_pack(weight, m, taps, &packed)
            var padded = [Float](repeating: .nan, count: c * (h + 2 * p) * (w + 2 * p))
            prn_packed_conv_pad_rows(x, &padded, c, h, w, p, 0, h + 2 * p)
            let items = (m + 31) / 32 * prn_packed_gemm_tiles(oh * ow)
            assertSameBits(underBothBlockings {
                var y = [Float](repeating: 7, count: m * oh * ow)
                prn_packed_conv(packed, padded, c, h + 2 * p, w + 2 * p, k, s, oh, ow, &y, oh * ow, m, 0, items, nil, nil, nil, 0)
                return [y]
            }, "packed convolution \(c)->\(m) k\(k) s\(s) p\(p) \(h)x\(w)")
        }
    }

    /// Convolution layers whose forwards and gradients run the direct kernel (and its weight
    /// gradient), the phase-split stride-2 kernel, and the Winograd F(2x2, 3x3) and F(4x4, 3x3)
    /// products: training forward, input and weight gradients, and the eval forward, with output
    /// counts that leave a partial block of 8 or of 4, on one and two threads.
    func testConvolutionLayersGiveTheSameBits() {
        var rng = RandomStream(seed: 52)
        let direct = EngineConfiguration(winograd: false), f2x2 = EngineConfiguration(threads: 2, winograd4x4: false)
        // (channels, outs, kernel, stride, padding, height, width, batch, configuration)
        let cases: [(Int, Int, Int, Int, Int, Int, Int, Int, EngineConfiguration)] = [
            (3, 5, 3, 1, 1, 9, 12, 3, direct), (4, 13, 5, 1, 2, 16, 16, 2, direct), (16, 17, 3, 1, 1, 16, 16, 1, direct),
            (3, 20, 7, 2, 3, 32, 32, 2, EngineConfiguration()), (5, 13, 3, 1, 1, 16, 16, 3, f2x2),
            (7, 9, 3, 1, 0, 12, 11, 2, f2x2), (16, 17, 3, 1, 1, 16, 16, 4, EngineConfiguration(threads: 2)),
            (3, 11, 3, 1, 1, 28, 28, 1, EngineConfiguration(threads: 2)), (64, 64, 3, 1, 1, 8, 8, 2, EngineConfiguration()),
        ]
        var paths = Set<String>()
        for (cin, cout, k, s, p, h, w, batch, config) in cases {
            let conv = Conv2d(cin, cout, kernel: k, stride: s, padding: p, bias: true)
            conv.initialize(&rng)
            let x = GradCheck.randomTensor([batch, cin, h, w], &rng)
            let g = conv.geometry(height: h, width: w)
            let dy = GradCheck.randomTensor([batch, cout, g.outHeight, g.outWidth], &rng)
            _ = conv.forward([x], mode: .train, configuration: config)
            let path = conv.phaseSplit(g) ? "phase split" : conv.winogradConvolution(g) ? "\(conv.winogradForm(g, batch: batch))"
                : conv.directConvolution(g) ? "direct" : "column matrix"
            paths.insert(path)
            assertSameBits(underBothBlockings {
                let y = conv.forward([x], mode: .train, configuration: config)
                conv.weight.grad.zero()
                let dx = conv.backward(dy, needInputGrad: [true])[0]!
                let eval = conv.forward([x], mode: .eval, configuration: config)
                return [y, dx, conv.weight.grad, eval].map { t in (0..<t.count).map { t[$0] } }
            }, "\(cin)->\(cout) k\(k) s\(s) p\(p) \(h)x\(w) batch \(batch), \(path)")
        }
        XCTAssertEqual(paths, ["direct", "phase split", "f2x2", "f4x4"], "the cases cover each kernel")
    }
}

import XCTest
@testable import Engine

/// Padded and ceil-mode average pooling against window means computed here with PyTorch's
/// nn.AvgPool2d rules: windows clipped to the padded input (ceil mode's last one can be cut
/// shorter still), divided by the clipped window's size with count_include_pad, else by the
/// number of input values in it.
final class AvgPoolPaddingTests: XCTestCase {
    // (kernel, stride, padding, ceil, H, W, OH, OW): the sizes torch.nn.AvgPool2d gives.
    private let cases: [(Int, Int, Int, Bool, Int, Int, Int, Int)] = [
        (3, 2, 1, true, 7, 9, 4, 5), (3, 2, 1, true, 6, 8, 4, 5), (3, 2, 0, true, 6, 6, 3, 3),
        (2, 2, 1, true, 5, 7, 3, 4), (3, 3, 1, true, 7, 7, 3, 3), (3, 2, 1, false, 8, 7, 4, 4), (5, 3, 2, true, 9, 7, 4, 3),
    ]

    func testWindowMeansAndGradients() throws {
        var rng = RandomStream(seed: 41)
        for (k, s, p, ceil, h, w, oh, ow) in cases {
            for includePad in [false, true] {
                let pool = AvgPool2d(kernel: k, stride: s, padding: p, ceilMode: ceil, countIncludePad: includePad)
                let what = "k\(k) s\(s) p\(p) ceil \(ceil) include \(includePad) on \(h)x\(w)"
                XCTAssertEqual(try pool.outputShape([[2, h, w]]), [2, oh, ow], what)
                let x = GradCheck.randomTensor([2, 2, h, w], &rng)
                // A copy: the gradient check below runs the layer again into the same buffer.
                let y = pool.forward([x], mode: .train).copy()
                XCTAssertEqual(y.shape, [2, 2, oh, ow], what)
                for plane in 0..<4 { for i in 0..<oh { for j in 0..<ow {
                    let r0 = i * s - p, c0 = j * s - p
                    let r1 = min(r0 + k, h + p), c1 = min(c0 + k, w + p)
                    var sum: Float = 0, inside = 0
                    for r in r0..<r1 { for c in c0..<c1 where r >= 0 && r < h && c >= 0 && c < w {
                        sum += x[plane * h * w + r * w + c]; inside += 1
                    } }
                    let divisor = includePad ? (r1 - r0) * (c1 - c0) : inside
                    XCTAssertEqual(y[(plane * oh + i) * ow + j], sum / Float(divisor), accuracy: 1e-5, "\(what) window (\(i), \(j))")
                } } }
                GradCheck.check(pool, inputs: [x])
                let rebuilt = try LayerFactory.make(kind: pool.kind, config: pool.config)
                XCTAssertEqual(rebuilt.config, pool.config, what)
                XCTAssertEqual(rebuilt.forward([x], mode: .eval).array, y.array, what)
            }
        }
    }

    /// Files written before padding existed hold only kernel and stride, and still load; the new
    /// keys are written only when used.
    func testOldConfigsLoadAndNewKeysOnlyWhenUsed() throws {
        let old = try LayerFactory.make(kind: "avgpool2d", config: ["kernel": 2, "stride": 2])
        XCTAssertEqual(old.config, ["kernel": 2, "stride": 2])
        XCTAssertEqual(AvgPool2d(kernel: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: true).config,
                       ["kernel": 3, "stride": 2, "padding": 1, "ceil_mode": 1, "count_include_pad": 1])
        // Without padding there is nothing to count: the flag is not kept.
        XCTAssertEqual(AvgPool2d(kernel: 3, stride: 2, countIncludePad: true).config, ["kernel": 3, "stride": 2])
        XCTAssertThrowsError(try LayerFactory.make(kind: "avgpool2d", config: ["kernel": 2, "stride": 2, "padding": 2]))
        XCTAssertThrowsError(try LayerFactory.make(kind: "avgpool2d", config: ["kernel": 3, "stride": 2, "count_include_pad": 2]))
    }
}

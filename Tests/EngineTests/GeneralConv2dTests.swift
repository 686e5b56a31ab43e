import XCTest
@testable import Engine

final class GeneralConv2dTests: XCTestCase {
    /// The convolution written from its definition, one output at a time.
    private func reference(_ x: Tensor, _ c: GeneralConv2d) -> [Float] {
        let (b, cin, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let out = try! c.outputShape([[cin, h, w]])
        let (cout, oh, ow) = (out[0], out[1], out[2])
        let perIn = cin / c.groups, perOut = cout / c.groups
        var y: [Float] = []
        for n in 0..<b { for o in 0..<cout { for i in 0..<oh { for j in 0..<ow {
            var s = Double(c.bias?.value[o] ?? 0)
            for ci in 0..<perIn { for ki in 0..<c.kernel.h { for kj in 0..<c.kernel.w {
                let r = i * c.stride.h - c.padding.h + ki * c.dilation.h, col = j * c.stride.w - c.padding.w + kj * c.dilation.w
                guard r >= 0, r < h, col >= 0, col < w else { continue }
                let channel = (o / perOut) * perIn + ci
                s += Double(c.weight.value[((o * perIn + ci) * c.kernel.h + ki) * c.kernel.w + kj])
                    * Double(x[((n * cin + channel) * h + r) * w + col])
            } } }
            y.append(Float(s))
        } } } }
        return y
    }

    private func layers() -> [GeneralConv2d] {
        [GeneralConv2d(4, 4, kernel: (3, 3), padding: (1, 1), groups: 4),                       // depthwise
         GeneralConv2d(4, 6, kernel: (1, 3), stride: (2, 1), padding: (0, 1), groups: 2),      // grouped, rectangular
         GeneralConv2d(2, 3, kernel: (3, 2), stride: (1, 2), padding: (2, 1), dilation: (2, 1)), // dilated
         GeneralConv2d(4, 8, kernel: (3, 3), stride: (2, 2), padding: (1, 1), groups: 4, bias: false)]
    }

    func testMatchesTheDefinition() {
        for (k, conv) in layers().enumerated() {
            var rng = RandomStream(seed: 40 + UInt64(k))
            conv.initialize(&rng)
            if let b = conv.bias { for i in 0..<b.value.count { b.value[i] = rng.normal() } }
            let x = GradCheck.randomTensor([2, conv.inChannels, 7, 6], &rng)
            let y = conv.forward([x], mode: .eval)
            XCTAssertEqual(Array(y.shape.dropFirst()), try conv.outputShape([[conv.inChannels, 7, 6]]))
            XCTAssertLessThanOrEqual(zip(y.array, reference(x, conv)).map { abs($0 - $1) }.max() ?? 1, 1e-5, "\(conv.config)")
        }
    }

    /// With one group, a square kernel and no dilation it is Conv2d.
    func testOneGroupEqualsConv2d() {
        var rng = RandomStream(seed: 48)
        let plain = Conv2d(3, 5, kernel: 3, stride: 2, padding: 1)
        plain.initialize(&rng)
        let general = GeneralConv2d(3, 5, kernel: (3, 3), stride: (2, 2), padding: (1, 1))
        general.weight.value.copy(from: plain.weight.value)
        general.bias?.value.copy(from: plain.bias!.value)
        let x = GradCheck.randomTensor([2, 3, 9, 8], &rng)
        let a = plain.forward([x], mode: .eval).array, b = general.forward([x], mode: .eval).array
        XCTAssertLessThanOrEqual(zip(a, b).map { abs($0 - $1) }.max() ?? 1, 1e-5)
    }

    func testGradientsMatchFiniteDifferences() {
        for (k, conv) in layers().enumerated() {
            var rng = RandomStream(seed: 50 + UInt64(k))
            conv.initialize(&rng)
            GradCheck.check(conv, inputs: [GradCheck.randomTensor([2, conv.inChannels, 5, 6], &rng)])
        }
    }

    func testShapeErrorsAndFactoryChecks() {
        XCTAssertThrowsError(try GeneralConv2d(2, 2, kernel: (5, 1), dilation: (2, 1)).outputShape([[2, 6, 6]]))
        XCTAssertThrowsError(try GeneralConv2d(2, 2, kernel: (1, 1)).outputShape([[3, 6, 6]]))
        let bad = GeneralConv2d(4, 4, kernel: (3, 3), groups: 4).config.merging(["groups": 3]) { $1 }
        XCTAssertThrowsError(try LayerFactory.make(kind: "general-conv2d", config: bad)) {
            XCTAssertTrue("\($0)".contains("'groups' is 3.0"), "\($0)")
        }
    }
}

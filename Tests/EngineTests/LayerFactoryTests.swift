import XCTest
@testable import Engine

final class LayerFactoryTests: XCTestCase {
    /// One instance of every kind with the per-sample input shapes it is fed.
    private func samples() -> [(Layer, [[Int]])] {
        [(Linear(6, 4, bias: false), [[6]]), (ReLU(), [[3, 4, 4]]),
         (Conv2d(3, 5, kernel: 3, stride: 2, padding: 1, bias: false), [[3, 8, 8]]),
         (BatchNorm(3, eps: 1e-3, momentum: 0.2), [[3, 4, 4]]), (SigmoidBatchNorm(4), [[4]]),
         (MaxPool2d(kernel: 3, stride: 2), [[2, 7, 7]]), (AvgPool2d(kernel: 2), [[2, 6, 6]]),
         (GlobalAvgPool(), [[4, 3, 3]]), (Flatten(), [[2, 3, 3]]), (Dropout(p: 0.25, seed: 77), [[5]]),
         (Add(), [[2, 2, 2], [2, 2, 2]]), (ShortcutA(stride: 2, padBefore: 2, padAfter: 3), [[4, 6, 6]]),
         (Sigmoid(), [[3]]), (Tanh(), [[3]]), (LeakyReLU(alpha: 0.2), [[2, 2, 2]]), (Clip(min: 0, max: 6), [[4]]),
         (HardSigmoid(), [[4]]), (HardSwish(), [[4]]), (GELU(), [[4]]), (SiLU(), [[4]]),
         (ConcatChannels(), [[2, 3, 3], [4, 3, 3]]), (Multiply(), [[3, 2, 2], [3, 1, 1]]),
         (GlobalAvgPool(keepDims: true), [[4, 3, 3]]),
         (GeneralConv2d(4, 6, kernel: (1, 3), stride: (2, 1), padding: (0, 2), dilation: (1, 2), groups: 2, bias: false), [[4, 7, 7]]),
         (Softmax(), [[5]]), (Softmax(log: true), [[5]]), (LayerNorm([3, 4, 5], eps: 1e-3), [[3, 4, 5]])]
    }

    func testRoundTripEveryKind() throws {
        let all = samples()
        XCTAssertEqual(Set(all.map { $0.0.kind }), Set(LayerFactory.kinds), "every kind has a round-trip sample")
        for (layer, shapes) in all {
            let rebuilt = try LayerFactory.make(kind: layer.kind, config: layer.config)
            XCTAssertEqual(rebuilt.kind, layer.kind)
            XCTAssertEqual(rebuilt.config, layer.config, layer.kind)
            XCTAssertEqual(try rebuilt.outputShape(shapes), try layer.outputShape(shapes), layer.kind)
            XCTAssertEqual(rebuilt.parameters.map(\.value.shape), layer.parameters.map(\.value.shape), layer.kind)
            XCTAssertEqual(rebuilt.macs(shapes), layer.macs(shapes), layer.kind)
        }
    }

    func testErrorsNameTheProblem() {
        func message(_ kind: String, _ config: [String: Double]) -> String {
            do { _ = try LayerFactory.make(kind: kind, config: config); return "no error" } catch { return "\(error)" }
        }
        XCTAssertTrue(message("conv3d", [:]).contains("unknown layer kind 'conv3d'"))
        XCTAssertTrue(message("conv2d", ["in": 3, "out": 4, "kernel": 3, "stride": 1, "bias": 1])
            .contains("missing key 'padding'"))
        XCTAssertTrue(message("conv2d", ["in": 3, "out": 4, "kernel": 2.5, "stride": 1, "padding": 0, "bias": 1])
            .contains("'kernel' is 2.5"))
        XCTAssertTrue(message("linear", ["in": 3, "out": 4, "bias": 2]).contains("'bias' is 2.0, expected 0 or 1"))
        XCTAssertTrue(message("dropout", ["p": 1, "seed": 0]).contains("'p'"))
        XCTAssertTrue(message("batchnorm", ["channels": 0, "eps": 1e-5, "momentum": 0.1]).contains("'channels'"))
    }

    func testMACs() {
        XCTAssertEqual(Conv2d(3, 8, kernel: 3, padding: 1).macs([[3, 32, 32]]), 3 * 9 * 8 * 32 * 32)
        XCTAssertEqual(Conv2d(4, 6, kernel: 1, stride: 2).macs([[4, 8, 8]]), 4 * 6 * 16)
        XCTAssertEqual(Linear(2048, 10).macs([[2048]]), 20480)
    }
}

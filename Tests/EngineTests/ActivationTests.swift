import Foundation
import XCTest
@testable import Engine

/// The elementwise activations: values against their definitions, gradients against finite
/// differences, and their round trip through LayerFactory.
final class ActivationTests: XCTestCase {
    /// Each layer with its definition, written independently of the layer's code.
    private let cases: [(ElementwiseActivation, (Double) -> Double)] = [
        (Sigmoid(), { 1 / (1 + exp(-$0)) }),
        (Tanh(), { tanh($0) }),
        (LeakyReLU(alpha: 0.1), { $0 > 0 ? $0 : 0.1 * $0 }),
        (Clip(min: -0.5, max: 0.75), { min(max($0, -0.5), 0.75) }),
        (Clip(min: 0, max: 6), { min(max($0, 0), 6) }),
        (HardSigmoid(alpha: 1.0 / 6, beta: 0.5), { max(0, min(1, $0 / 6 + 0.5)) }),
        (HardSwish(), { $0 * max(0, min(1, ($0 + 3) / 6)) }),
        (GELU(), { 0.5 * $0 * (1 + erf($0 / 2.0.squareRoot())) }),
        (SiLU(), { $0 / (1 + exp(-$0)) }),
    ]

    func testValuesMatchDefinitions() {
        var rng = RandomStream(seed: 5)
        let x = GradCheck.randomTensor([3, 4, 5, 5], &rng, scale: 4)
        for (layer, f) in cases {
            let y = layer.forward([x], mode: .eval)
            XCTAssertEqual(y.shape, x.shape, layer.kind)
            for i in 0..<x.count {
                let want = f(Double(x[i]))
                XCTAssertEqual(Double(y[i]), want, accuracy: 1e-5 * max(1, abs(want)), "\(layer.kind) at x=\(x[i])")
            }
        }
    }

    func testGradientsMatchFiniteDifferences() {
        for (k, (layer, _)) in cases.enumerated() {
            var rng = RandomStream(seed: 11 + UInt64(k))
            // Keep samples off the kinks, where a central difference straddles two slopes.
            let x = GradCheck.randomTensor([2, 3, 4, 4], &rng, scale: 3)
            for i in 0..<x.count {
                for kink: Float in [0, -0.5, 0.75, 6, -3, 3] where abs(x[i] - kink) < 0.05 { x[i] = kink + 0.1 }
            }
            GradCheck.check(layer, inputs: [x], eps: 1e-2, tolerance: 2e-2)
        }
    }

    func testRoundTripThroughLayerFactory() throws {
        for (layer, _) in cases {
            let rebuilt = try LayerFactory.make(kind: layer.kind, config: layer.config)
            XCTAssertEqual(rebuilt.kind, layer.kind)
            XCTAssertEqual(rebuilt.config, layer.config, layer.kind)
        }
        XCTAssertThrowsError(try LayerFactory.make(kind: "clip", config: ["min": 2, "max": 1])) {
            XCTAssertTrue("\($0)".contains("'min' is 2.0"), "\($0)")
        }
        XCTAssertThrowsError(try LayerFactory.make(kind: "clip", config: ["min": 0, "max": 1e300])) {
            XCTAssertTrue("\($0)".contains("'max'"), "\($0)")
        }
        XCTAssertThrowsError(try LayerFactory.make(kind: "leaky-relu", config: [:])) {
            XCTAssertTrue("\($0)".contains("missing key 'alpha'"), "\($0)")
        }
    }
}

import XCTest
@testable import Engine

final class SoftmaxLayerNormTests: XCTestCase {
    func testSoftmaxAndLogSoftmax() throws {
        var rng = RandomStream(seed: 51)
        let x = GradCheck.randomTensor([3, 7], &rng, scale: 3)
        GradCheck.check(Softmax(), inputs: [x])
        GradCheck.check(Softmax(log: true), inputs: [x])
        let big = Tensor(shape: [1, 3], values: [1000, 1001, 999])
        let y = Softmax().forward([big], mode: .eval).array
        let e = [exp(Float(-1)), 1, exp(Float(-2))], total = e.reduce(0, +)
        for (a, b) in zip(y, e.map { $0 / total }) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        let logY = Softmax(log: true).forward([big], mode: .eval).array
        for (a, b) in zip(logY, y) { XCTAssertEqual(a, log(b), accuracy: 1e-4) }
        XCTAssertThrowsError(try Softmax().outputShape([[3, 4, 4]]))
        for kind in ["softmax", "log-softmax"] {
            XCTAssertEqual(try LayerFactory.make(kind: kind, config: [:]).kind, kind)
        }
    }

    func testLayerNormOverFeaturesAndTrailingDimensions() throws {
        var rng = RandomStream(seed: 52)
        for (shape, normalized) in [([5], [5]), ([3, 4, 5], [3, 4, 5]), ([3, 4, 5], [4, 5]), ([3, 4, 5], [5])] {
            let ln = LayerNorm(normalized, eps: 1e-5)
            for p in ln.parameters { for i in 0..<p.value.count { p.value[i] = rng.normal() } }
            let x = GradCheck.randomTensor([2] + shape, &rng, scale: 2)
            XCTAssertEqual(try ln.outputShape([shape]), shape)
            let y = ln.forward([x], mode: .eval)
            let d = normalized.reduce(1, *)
            for row in 0..<(x.count / d) {
                let v = (0..<d).map { Double(x[row * d + $0]) }
                let mean = v.reduce(0, +) / Double(d)
                let variance = v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(d)
                for i in 0..<d {
                    let want = Float((v[i] - mean) / (variance + 1e-5).squareRoot()) * ln.weight.value[i] + ln.bias.value[i]
                    XCTAssertEqual(y[row * d + i], want, accuracy: 1e-4, "\(normalized) of \(shape)")
                }
            }
            GradCheck.check(ln, inputs: [x])
            let rebuilt = try LayerFactory.make(kind: ln.kind, config: ln.config)
            XCTAssertEqual(rebuilt.config, ln.config)
            XCTAssertEqual(rebuilt.parameters.map(\.value.shape), [normalized, normalized])
        }
        XCTAssertThrowsError(try LayerNorm([4]).outputShape([[5]]))
        XCTAssertThrowsError(try LayerFactory.make(kind: "layernorm", config: ["dims": 4, "dim0": 1, "dim1": 1, "dim2": 1, "dim3": 1, "eps": 1e-5]))
        XCTAssertThrowsError(try LayerFactory.make(kind: "layernorm", config: ["dims": 1, "eps": 1e-5]))
        XCTAssertThrowsError(try LayerFactory.make(kind: "layernorm", config: ["dims": 2, "dim0": 1e6, "dim1": 1e6, "eps": 1e-5]))
    }

    /// Keeping channels slices the weight and bias along the first normalised dimension.
    func testLayerNormKeepChannels() {
        let ln = LayerNorm([3, 2])
        for i in 0..<6 { ln.weight.value[i] = Float(i); ln.bias.value[i] = Float(10 + i) }
        ln.keepChannels([0, 2])
        XCTAssertEqual(ln.normalizedShape, [2, 2])
        XCTAssertEqual(ln.weight.value.array, [0, 1, 4, 5])
        XCTAssertEqual(ln.bias.value.array, [10, 11, 14, 15])
        XCTAssertEqual(ln.config["dim0"], 2)
    }
}

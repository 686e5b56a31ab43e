import XCTest
@testable import Engine

final class MultiplyTests: XCTestCase {
    /// A feature map scaled per channel by a [C, 1, 1] gate (squeeze-excite).
    func testChannelScale() throws {
        var rng = RandomStream(seed: 41)
        let x = GradCheck.randomTensor([2, 3, 2, 2], &rng), s = GradCheck.randomTensor([2, 3, 1, 1], &rng)
        XCTAssertEqual(try Multiply().outputShape([[3, 2, 2], [3, 1, 1]]), [3, 2, 2])
        let y = Multiply().forward([x, s], mode: .train)
        XCTAssertEqual(y.shape, x.shape)
        for b in 0..<2 { for c in 0..<3 { for i in 0..<4 {
            XCTAssertEqual(y[(b * 3 + c) * 4 + i], x[(b * 3 + c) * 4 + i] * s[b * 3 + c], accuracy: 1e-6)
        } } }
        GradCheck.check(Multiply(), inputs: [x, s])
        let m = Multiply()
        _ = m.forward([x, s], mode: .train)
        let grads = m.backward(GradCheck.randomTensor([2, 3, 2, 2], &rng), needInputGrad: [false, true])
        XCTAssertNil(grads[0])
        XCTAssertEqual(grads[1]?.shape, [2, 3, 1, 1])
    }

    /// Two activations of one shape multiplied elementwise.
    func testElementwise() throws {
        var rng = RandomStream(seed: 42)
        let a = GradCheck.randomTensor([2, 5], &rng), b = GradCheck.randomTensor([2, 5], &rng)
        let y = Multiply().forward([a, b], mode: .train)
        for i in 0..<y.count { XCTAssertEqual(y[i], a[i] * b[i], accuracy: 1e-6) }
        GradCheck.check(Multiply(), inputs: [a, b])
    }

    /// Shapes that are neither equal nor a per-channel gate are refused with both shapes named.
    func testRefusesOtherBroadcasts() {
        for shapes in [[[3, 2, 2], [1, 2, 2]], [[3, 2, 2], [3]], [[3, 2, 2], [2, 1, 1]], [[3, 2, 2]], [[3, 1, 1], [3, 2, 2]]] {
            XCTAssertThrowsError(try Multiply().outputShape(shapes), "\(shapes)") { error in
                XCTAssertTrue("\(error)".contains("mul"), "\(error)")
            }
        }
    }

    /// The pool that keeps its 1x1 spatial dimensions (x.mean((2, 3), keepdim=True)) computes the same means.
    func testGlobalAvgPoolKeepingDimensions() throws {
        var rng = RandomStream(seed: 43)
        let x = GradCheck.randomTensor([2, 3, 4, 5], &rng)
        let kept = GlobalAvgPool(keepDims: true)
        XCTAssertEqual(try kept.outputShape([[3, 4, 5]]), [3, 1, 1])
        let y = kept.forward([x], mode: .eval), flat = GlobalAvgPool().forward([x], mode: .eval)
        XCTAssertEqual(y.shape, [2, 3, 1, 1])
        XCTAssertEqual(y.array, flat.array)
        GradCheck.check(GlobalAvgPool(keepDims: true), inputs: [x])
        XCTAssertEqual(try LayerFactory.make(kind: "global-avgpool", config: kept.config).outputShape([[3, 4, 5]]), [3, 1, 1])
        XCTAssertEqual(GlobalAvgPool().config, [:], "model files without the key stay as they were")
    }
}

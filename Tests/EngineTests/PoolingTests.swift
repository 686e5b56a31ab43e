import XCTest
@testable import Engine

final class PoolingTests: XCTestCase {
    /// Distinct values spaced 0.1 apart: no ties for max-pool under a 1e-2 perturbation.
    private func untied(_ shape: [Int], _ rng: inout RandomStream) -> Tensor {
        let n = shape.reduce(1, *)
        return Tensor(shape: shape, values: rng.permutation(n).map { Float($0) * 0.1 })
    }

    func testMaxPool() {
        var rng = RandomStream(seed: 31)
        GradCheck.check(MaxPool2d(kernel: 2), inputs: [untied([2, 2, 4, 4], &rng)])
        GradCheck.check(MaxPool2d(kernel: 3, stride: 2), inputs: [untied([1, 2, 7, 6], &rng)])
        let x = Tensor(shape: [1, 1, 2, 4], values: [1, 5, 2, 0, 3, 4, 8, 7])
        let y = MaxPool2d(kernel: 2).forward([x], mode: .train)
        XCTAssertEqual(y.shape, [1, 1, 1, 2])
        XCTAssertEqual(y.array, [5, 8])
        XCTAssertEqual(try MaxPool2d(kernel: 2).outputShape([[3, 5, 5]]), [3, 2, 2])
        XCTAssertThrowsError(try MaxPool2d(kernel: 3).outputShape([[3, 2, 2]]))
    }

    func testAvgPoolAndGlobal() {
        var rng = RandomStream(seed: 32)
        GradCheck.check(AvgPool2d(kernel: 2), inputs: [GradCheck.randomTensor([2, 2, 4, 4], &rng)])
        GradCheck.check(AvgPool2d(kernel: 3, stride: 2), inputs: [GradCheck.randomTensor([1, 2, 7, 7], &rng)])
        GradCheck.check(GlobalAvgPool(), inputs: [GradCheck.randomTensor([2, 3, 3, 2], &rng)])
        let x = Tensor(shape: [1, 1, 2, 2], values: [1, 2, 3, 6])
        XCTAssertEqual(AvgPool2d(kernel: 2).forward([x], mode: .eval).array, [3])
        let g = GlobalAvgPool().forward([x], mode: .eval)
        XCTAssertEqual(g.shape, [1, 1])
        XCTAssertEqual(g.array, [3])
    }

    func testFlattenIsAViewBothWays() {
        var rng = RandomStream(seed: 33)
        let x = GradCheck.randomTensor([2, 3, 2, 2], &rng)
        let f = Flatten()
        let y = f.forward([x], mode: .train)
        XCTAssertEqual(y.shape, [2, 12])
        XCTAssertEqual(y.data, x.data)
        let dy = GradCheck.randomTensor([2, 12], &rng)
        let dx = f.backward(dy, needInputGrad: [true])[0]
        XCTAssertEqual(dx?.shape, [2, 3, 2, 2])
        XCTAssertEqual(dx?.data, dy.data)
        GradCheck.check(f, inputs: [x])
    }

    func testDropout() {
        var rng = RandomStream(seed: 34)
        let d = Dropout(p: 0.5, seed: 9)
        let x = Tensor(shape: [100, 100], repeating: 1)
        let y = d.forward([x], mode: .train)
        let kept = y.array.filter { $0 != 0 }
        XCTAssertTrue(kept.allSatisfy { $0 == 2 })
        XCTAssertEqual(Double(kept.count) / 10_000, 0.5, accuracy: 0.03)
        let dx = d.backward(Tensor(shape: [100, 100], repeating: 3), needInputGrad: [true])[0]
        for i in 0..<x.count { XCTAssertEqual(dx?[i], y[i] * 3) }
        XCTAssertEqual(d.forward([x], mode: .eval).array, x.array)
        // Same seed, same masks.
        let again = Dropout(p: 0.5, seed: 9).forward([x], mode: .train)
        XCTAssertEqual(again.array, Dropout(p: 0.5, seed: 9).forward([x], mode: .train).array)
        GradCheck.check(Dropout(p: 0.3, seed: 1), inputs: [GradCheck.randomTensor([3, 4], &rng)], mode: .eval)
    }

    func testAdd() {
        var rng = RandomStream(seed: 35)
        let a = GradCheck.randomTensor([2, 3, 2, 2], &rng), b = GradCheck.randomTensor([2, 3, 2, 2], &rng)
        let c = GradCheck.randomTensor([2, 3, 2, 2], &rng)
        let y = Add().forward([a, b, c], mode: .train)
        for i in 0..<y.count { XCTAssertEqual(y[i], a[i] + b[i] + c[i], accuracy: 1e-6) }
        GradCheck.check(Add(), inputs: [a, b])
        XCTAssertNil(Add().backward(a, needInputGrad: [true, false])[1])
        XCTAssertThrowsError(try Add().outputShape([[3, 2, 2], [3, 2, 1]]))
    }

    func testShortcutA() throws {
        var rng = RandomStream(seed: 36)
        let s = ShortcutA(stride: 2, padBefore: 1, padAfter: 2)
        XCTAssertEqual(try s.outputShape([[2, 5, 4]]), [5, 3, 2])
        let x = Tensor(shape: [1, 2, 3, 3], values: (0..<18).map(Float.init))
        let y = s.forward([x], mode: .train)
        XCTAssertEqual(y.shape, [1, 5, 2, 2])
        XCTAssertEqual(y.array, [0, 0, 0, 0,  0, 2, 6, 8,  9, 11, 15, 17,  0, 0, 0, 0,  0, 0, 0, 0])
        GradCheck.check(s, inputs: [GradCheck.randomTensor([2, 2, 5, 4], &rng)])
        GradCheck.check(ShortcutA(stride: 1, padBefore: 0, padAfter: 1), inputs: [GradCheck.randomTensor([1, 2, 3, 3], &rng)])
    }
}

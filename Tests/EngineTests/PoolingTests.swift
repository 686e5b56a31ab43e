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
}

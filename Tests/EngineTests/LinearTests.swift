import XCTest
@testable import Engine

final class LinearTests: XCTestCase {
    func testGradients() {
        var rng = RandomStream(seed: 7)
        let layer = Linear(5, 4)
        layer.initialize(&rng)
        GradCheck.check(layer, inputs: [GradCheck.randomTensor([3, 5], &rng)])
    }

    func testReLUGradients() {
        var rng = RandomStream(seed: 8)
        // Keep inputs away from the kink at 0, where central differences are meaningless.
        let x = GradCheck.randomTensor([4, 6], &rng)
        for i in 0..<x.count where abs(x[i]) < 0.05 { x[i] = 0.5 }
        GradCheck.check(ReLU(), inputs: [x])
    }

    func testForwardMatchesNaiveGEMM() {
        var rng = RandomStream(seed: 9)
        let layer = Linear(17, 13)
        layer.initialize(&rng)
        let x = GradCheck.randomTensor([11, 17], &rng)
        let y = layer.forward([x], mode: .eval)
        let ref = Tensor(shape: [11, 13])
        BLAS.naiveSgemm(transB: true, m: 11, n: 13, k: 17, a: x.data, lda: 17,
                        b: layer.weight.value.data, ldb: 17, c: ref.data, ldc: 13)
        for r in 0..<11 { for j in 0..<13 {
            XCTAssertEqual(y[r * 13 + j], ref[r * 13 + j] + layer.bias!.value[j], accuracy: 1e-4)
        } }
    }
}

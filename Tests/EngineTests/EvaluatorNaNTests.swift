import XCTest
@testable import Engine

/// Logits that are NaN say nothing about the class: such a sample is a wrong answer for top-1
/// and top-5, whatever its label. (A NaN compares false with everything, so a plain argmax
/// picks class 0 and a "how many logits beat the label's" count finds none.)
final class EvaluatorNaNTests: XCTestCase {
    /// A linear model on 3 features with 10 classes; `poison` sets the weights to make logits NaN.
    func model(_ poison: Float) -> Model {
        let m = Model(inputShape: [3], classes: 10)
        let layer = Linear(3, 10)
        for i in 0..<layer.weight.value.count { layer.weight.value.data[i] = poison }
        m.add("fc", layer)
        return m
    }

    /// Every label, 0 included, so a fallback to class 0 would show as a hit.
    func data() throws -> Dataset {
        let x = Tensor(shape: [20, 3])
        for i in 0..<x.count { x.data[i] = 1 }
        return try Dataset(name: "nan-logits", samples: x, labels: (0..<20).map { Int32($0 % 10) }, classes: 10)
    }

    func testNaNLogitsScoreNoHits() throws {
        let e = try Evaluator.evaluate(model(.nan), on: data())
        XCTAssertEqual(e.count, 20)
        XCTAssertEqual(e.top1, 0, "NaN logits must not count as top-1 hits")
        XCTAssertEqual(e.top5, 0, "NaN logits must not count as top-5 hits")
    }

    /// Infinite weights on an all-ones input give inf - inf = NaN logits through the bias-free
    /// sums of mixed signs; the same rule applies.
    func testMixedInfiniteWeightsScoreNoHits() throws {
        let m = model(.infinity)
        guard let layer = m.nodes[1].layer as? Linear else { return XCTFail("not a linear layer") }
        for r in 0..<10 { layer.weight.value.data[r * 3 + 1] = -.infinity }
        let e = try Evaluator.evaluate(m, on: data())
        XCTAssertEqual(e.top1, 0)
        XCTAssertEqual(e.top5, 0)
    }

    /// A model whose logits are all finite keeps its ordinary accuracy (control).
    func testFiniteLogitsStillScore() throws {
        let m = model(0)
        guard let layer = m.nodes[1].layer as? Linear else { return XCTFail("not a linear layer") }
        if let b = layer.bias { for i in 0..<b.value.count { b.value.data[i] = i == 0 ? 1 : 0 } }
        let e = try Evaluator.evaluate(m, on: data())
        XCTAssertEqual(e.top1, 0.1, accuracy: 1e-12, "class 0 wins, 2 of 20 labels are 0")
    }
}

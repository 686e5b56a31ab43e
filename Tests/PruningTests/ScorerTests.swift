import Engine
import Pruning
import XCTest

final class ScorerTests: XCTestCase {
    func testMagnitudeScoresWeightsAndUnitNorms() throws {
        let model = try Fixtures.model("lenet5", input: [1, 28, 28])
        let w = try XCTUnwrap(model.parameter(named: "3.weight"))
        let perWeight = try MagnitudeScorer().score(model, data: nil, options: ScoreOptions(granularity: .weights))
        XCTAssertEqual(perWeight.weights["3.weight"], w.value.array.map { abs($0) })
        XCTAssertEqual(perWeight.weights.count, 5, "two convs, two hidden dense layers and the output layer")
        let fan = w.value.count / 16
        let l1 = try MagnitudeScorer().score(model, data: nil, options: ScoreOptions(granularity: .channels, norm: 1))
        let l2 = try MagnitudeScorer().score(model, data: nil, options: ScoreOptions(granularity: .channels, norm: 2))
        for c in [0, 7, 15] {
            let row = (0..<fan).map { Double(w.value[c * fan + $0]) }
            XCTAssertEqual(Double(l1.units["3"]?[c] ?? 0), row.reduce(0) { $0 + abs($1) }, accuracy: 1e-4)
            XCTAssertEqual(Double(l2.units["3"]?[c] ?? 0), row.reduce(0) { $0 + $1 * $1 }.squareRoot(), accuracy: 1e-4)
        }
        XCTAssertThrowsError(try MagnitudeScorer().score(model, data: nil, options: ScoreOptions(norm: 3)))
    }

    func testRandomIsSeeded() throws {
        let model = try Fixtures.model("mlp", input: [1, 12, 12], width: 0.25)
        let a = try RandomScorer().score(model, data: nil, options: ScoreOptions(granularity: .neurons, seed: 4))
        let b = try RandomScorer().score(model, data: nil, options: ScoreOptions(granularity: .neurons, seed: 4))
        let c = try RandomScorer().score(model, data: nil, options: ScoreOptions(granularity: .neurons, seed: 5))
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c)
        XCTAssertEqual(a.units.count, 2)
    }

    func testSlimmingReadsBatchNormScalesAndRefusesModelsWithout() throws {
        let model = try Fixtures.model("vgg-small", input: [3, 16, 16], width: 0.25)
        Fixtures.randomizeNorms(model)
        if let bn = model.nodes[2].layer as? BatchNorm { bn.weight.value[1] = -0.7 }
        let s = try SlimmingScorer().score(model, data: nil, options: ScoreOptions(granularity: .channels))
        XCTAssertEqual(s.units["0"]?[1], 0.7)
        XCTAssertEqual(s.units.count, 6)
        let plain = try Fixtures.model("lenet5", input: [1, 28, 28])
        XCTAssertThrowsError(try SlimmingScorer().score(plain, data: nil, options: ScoreOptions(granularity: .channels))) {
            XCTAssertTrue("\($0)".contains("norm=bn"), "\($0)")
        }
        XCTAssertThrowsError(try SlimmingScorer().score(model, data: nil, options: ScoreOptions(granularity: .weights)))
    }

    func testTaylorAccumulatesGradientTimesWeightWithoutChangingTheModel() throws {
        let input = [3, 8, 8]
        let model = try Fixtures.model("vgg-small", input: input, width: 0.25)
        let data = try Fixtures.data(input, count: 32)
        let before = ModelSnapshot(model)
        let options = ScoreOptions(granularity: .weights, samples: 32, batchSize: 16)
        let scores = try TaylorScorer().score(model, data: data, options: options)
        // Reference: the same two batches by hand.
        let reference = try before.makeModel()
        let loss = SoftmaxCrossEntropy()
        let w = try XCTUnwrap(reference.parameter(named: "3.weight"))
        var expected = [Double](repeating: 0, count: w.value.count)
        let batches = try BatchIterator(data, batchSize: 16, shuffle: false)
        while let batch = batches.next() {
            reference.zeroGrad()
            loss(reference.forward(batch.images, mode: .train), labels: batch.labels)
            reference.backward(try XCTUnwrap(loss.gradient))
            for i in 0..<w.value.count { expected[i] += Double(abs(w.grad[i] * w.value[i])) }
        }
        let got = try XCTUnwrap(scores.weights["3.weight"])
        Fixtures.assertClose(got, expected.map { Float($0) }, tolerance: 1e-5)
        XCTAssertGreaterThan(got.reduce(0, +), 0)
        // Running statistics restored: the scored model computes what it computed before.
        let x = Fixtures.batch(input, 4)
        XCTAssertEqual(Fixtures.output(model, x), Fixtures.output(try before.makeModel(), x))
        let units = try TaylorScorer().score(model, data: data, options: ScoreOptions(granularity: .channels, samples: 32))
        XCTAssertEqual(units.units["0"]?.count, 8)
        XCTAssertTrue(units.units.values.allSatisfy { $0.allSatisfy { $0 >= 0 } })
        XCTAssertThrowsError(try TaylorScorer().score(model, data: nil, options: options)) {
            XCTAssertTrue("\($0)".contains("needs data"), "\($0)")
        }
    }

    func testL1ScalePenaltyAddsSignedLambdaToBatchNormScales() throws {
        let model = try Fixtures.model("vgg-small", input: [3, 8, 8], width: 0.25)
        let bn = try XCTUnwrap(model.nodes[2].layer as? BatchNorm)
        bn.weight.value[0] = -2; bn.weight.value[1] = 0; bn.weight.value[2] = 0.5
        model.zeroGrad()
        let penalty = try L1ScalePenalty(lambda: 0.01)
        let value = penalty.apply(to: model)
        let scales = model.nodes.compactMap { $0.layer as? BatchNorm }.flatMap { $0.weight.value.array }
        XCTAssertEqual(value, 0.01 * scales.reduce(0) { $0 + Double(abs($1)) }, accuracy: 1e-6)
        XCTAssertEqual(bn.weight.grad[0], -0.01)
        XCTAssertEqual(bn.weight.grad[1], 0)
        XCTAssertEqual(bn.weight.grad[2], 0.01)
        XCTAssertThrowsError(try L1ScalePenalty(lambda: -1))
        XCTAssertThrowsError(try L1ScalePenalty.check(try Fixtures.model("lenet5", input: [1, 28, 28])))
        XCTAssertNoThrow(try L1ScalePenalty.check(model))
    }
}

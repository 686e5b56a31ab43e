import Engine
import Pruning
import XCTest

/// The pruning-aware entropy penalty: its value against a direct per-sample entropy, its
/// gradient against central differences, and its behaviour on degenerate inputs.
final class PATPenaltyTests: XCTestCase {
    static func model() -> Model {
        let m = Model(inputShape: [2, 5, 5], classes: 3)
        var rng = RandomStream(seed: 7, stream: "test.pat")
        let conv = Conv2d(2, 3, kernel: 3, padding: 1), fc = Linear(3 * 25, 4), out = Linear(4, 3)
        conv.initialize(&rng); fc.initialize(&rng); out.initialize(&rng)
        m.add("conv", conv); m.add("relu", ReLU()); m.add("flat", Flatten()); m.add("fc", fc); m.add("relu2", ReLU()); m.add("out", out)
        return m
    }

    /// Mean over units and samples of H_j for the rows of `columns` (each row one sample).
    static func directEntropy(w: [Float], out: Int, fan: Int, columns: [[Float]]) -> Double {
        var total: Double = 0
        for x in columns {
            for j in 0..<out {
                let u = (0..<fan).map { Double(abs(w[j * fan + $0] * x[$0])) }
                let s = u.reduce(0, +)
                guard s > 0 else { continue }
                total -= u.reduce(0) { $1 > 0 ? $0 + ($1 / s) * log($1 / s) : $0 }
            }
        }
        return total / Double(columns.count * out)
    }

    func testValueMatchesDirectEntropy() throws {
        let m = Self.model()
        let penalty = try PATPenalty(model: m, lambda: 1)
        let x = Fixtures.batch([2, 5, 5], 3)
        _ = m.forward(x, mode: .train)
        let value = penalty.evaluate(addGradients: false)
        // conv columns (padding 1, stride 1), fc input = relu(conv), out input = relu(fc).
        let conv = try XCTUnwrap(m.nodes[1].layer as? Conv2d), fc = try XCTUnwrap(m.nodes[4].layer as? Linear)
        let out = try XCTUnwrap(m.nodes[6].layer as? Linear)
        var cols: [[Float]] = []
        for s in 0..<3 { for oy in 0..<5 { for ox in 0..<5 {
            var col: [Float] = []
            for c in 0..<2 { for ki in 0..<3 { for kj in 0..<3 {
                let y = oy - 1 + ki, xx = ox - 1 + kj
                col.append(y >= 0 && y < 5 && xx >= 0 && xx < 5 ? x[s * 50 + c * 25 + y * 5 + xx] : 0)
            } } }
            cols.append(col)
        } } }
        let hiddenConv = (0..<3).map { s -> [Float] in
            let y = Linear.reference(conv: conv, columns: Array(cols[(s * 25)..<(s * 25 + 25)]))
            return y.map { max($0, 0) }
        }
        let hiddenFc = hiddenConv.map { h in
            (0..<4).map { j -> Float in
                var a: Float = fc.bias?.value[j] ?? 0
                for i in 0..<75 { a += fc.weight.value[j * 75 + i] * h[i] }
                return max(0, a)
            }
        }
        let expected = (Self.directEntropy(w: conv.weight.value.array, out: 3, fan: 18, columns: cols)
            + Self.directEntropy(w: fc.weight.value.array, out: 4, fan: 75, columns: hiddenConv)
            + Self.directEntropy(w: out.weight.value.array, out: 3, fan: 4, columns: hiddenFc)) / 3
        XCTAssertEqual(value, expected, accuracy: 1e-4 * max(1, expected))
        XCTAssertGreaterThan(value, 0.5)
    }

    /// Every element of every layer's gradient against central differences, each to a relative
    /// tolerance of its own (a tolerance scaled by the layer's largest entry would pass a wrong
    /// small entry). The penalty is evaluated in Float, so a difference quotient carries rounding
    /// noise of about (value * 1e-6) / h, which bounds the absolute part of the tolerance.
    func testGradientMatchesCentralDifferencesPerElement() throws {
        let m = Self.model()
        let penalty = try PATPenalty(model: m, lambda: 1)
        _ = m.forward(Fixtures.batch([2, 5, 5], 2), mode: .train)
        m.zeroGrad()
        penalty.evaluate(addGradients: true)
        var checked = 0
        for p in PrunableWeights.of(m) {
            let analytic = p.grad.array
            XCTAssertGreaterThan(analytic.map { abs($0) }.max() ?? 0, 0, "\(p.name) got no gradient")
            for i in 0..<p.value.count {
                let saved = p.value[i], h: Float = 1e-2 * max(abs(saved), 0.02)
                p.value[i] = saved + h; let up = penalty.evaluate(addGradients: false)
                p.value[i] = saved - h; let down = penalty.evaluate(addGradients: false)
                p.value[i] = saved
                let step = Double((saved + h) - (saved - h))
                let numeric = (up - down) / step
                let noise = 4e-6 * max(abs(up), abs(down)) / step
                XCTAssertEqual(Double(analytic[i]), numeric, accuracy: 0.01 * abs(numeric) + noise,
                               "\(p.name)[\(i)]: analytic \(analytic[i]), numeric \(numeric)")
                checked += 1
            }
        }
        XCTAssertEqual(checked, 2 * 3 * 9 + 75 * 4 + 4 * 3)
    }

    func testDegenerateInputsGiveNoNaN() throws {
        let m = Self.model()
        let penalty = try PATPenalty(model: m, lambda: 0.5)
        (m.nodes[4].layer as? Linear)?.weight.value.zero()          // a layer with no weights left
        if let c = m.nodes[1].layer as? Conv2d { c.weight.value[0] = 0 }
        _ = m.forward(Tensor(shape: [2, 2, 5, 5]), mode: .train)    // all-zero input
        m.zeroGrad()
        let v = penalty.apply(to: m)
        XCTAssertTrue(v.isFinite)
        XCTAssertTrue(m.parameters.allSatisfy { $0.grad.allFinite })
        XCTAssertEqual(penalty.apply(to: m), v, "apply is a pure function of the recorded batch")
        XCTAssertThrowsError(try PATPenalty(model: m, lambda: -1)) { XCTAssertTrue("\($0)".contains("lambda")) }
    }

    func testObserverLeavesWithThePenalty() throws {
        let m = Self.model()
        do {
            let p = try MethodCatalog.penalty("pat")?.penalty([:], model: m)
            XCTAssertEqual(m.observers.count, 1)
            XCTAssertEqual((p as? PATPenalty)?.lambda, PATPenalty.defaultLambda)
        }
        XCTAssertTrue(m.observers.isEmpty)
    }

    func testTrainingWithThePenaltyLowersEntropy() throws {
        let data = try Fixtures.data([1, 8, 8], classes: 3, count: 192)
        func trained(_ lambda: Float?) throws -> Double {
            let m = try Zoo.build("mlp", ZooOptions(inputShape: [1, 8, 8], classes: 3, hidden: [16], seed: 2))
            var o = TrainOptions()
            o.epochs = 4; o.learningRate = 0.05; o.batchSize = 32
            let t = Trainer(model: m, options: o)
            if let lambda { t.penalties = [try PATPenalty(model: m, lambda: lambda)] }
            _ = try t.run(on: data)
            t.penalties = []
            let probe = try PATPenalty(model: m, lambda: 1)
            _ = m.forward(data.samples, mode: .train)
            return probe.evaluate(addGradients: false)
        }
        let plain = try trained(nil), pat = try trained(0.5)
        XCTAssertLessThan(pat, plain * 0.9, "entropy plain \(plain) vs pat \(pat)")
    }
}

extension Linear {
    /// Conv outputs of one sample from its columns (rows = positions), the test's reference.
    static func reference(conv: Conv2d, columns: [[Float]]) -> [Float] {
        let out = conv.outChannels, fan = conv.inChannels * conv.kernel * conv.kernel
        var y: [Float] = []
        for j in 0..<out {
            for col in columns {
                var a: Float = conv.bias?.value[j] ?? 0
                for i in 0..<fan { a += conv.weight.value[j * fan + i] * col[i] }
                y.append(a)
            }
        }
        return y
    }
}

import Engine
import Pruning
import XCTest

/// The streamed GEMM statistics of `score contribution` against direct per-sample loops.
final class ContributionStatisticsTests: XCTestCase {
    /// A small dense net: linear(6->5) relu linear(5->3), random weights, some biases negative
    /// enough that units are often inactive.
    static func denseModel(seed: UInt64 = 1) -> Model {
        let m = Model(inputShape: [6], classes: 3)
        let a = Linear(6, 5), b = Linear(5, 3)
        var rng = RandomStream(seed: seed, stream: "test.contribution")
        a.initialize(&rng); b.initialize(&rng)
        a.bias?.value[0] = -0.4
        m.add("fc1", a); m.add("relu1", ReLU()); m.add("fc2", b)
        return m
    }

    static func data(_ shape: [Int], count: Int, classes: Int = 3, seed: UInt64 = 2, zeroEvery: Int = 5) throws -> Dataset {
        var rng = RandomStream(seed: seed, stream: "test.contribution.data")
        let x = Tensor(shape: [count] + shape)
        for i in 0..<x.count { x[i] = i % zeroEvery == 0 ? 0 : rng.normal() }
        let labels = (0..<count).map { Int32($0 % classes) }
        return try Dataset(name: "random", samples: x, labels: labels, classes: classes)
    }

    /// Direct definition: for every sample (and output position), every weight's contribution.
    static func direct(w: [Float], b: [Float], out: Int, fan: Int, samples: [[Float]], activeFollows: Bool,
                       norm: ContributionNorm, blind: Bool) -> (mean: [Double], spread: [Double]) {
        var s1 = [Double](repeating: 0, count: out * fan), s2 = s1
        for x in samples {
            for j in 0..<out {
                var a = Double(b[j]), total = Double(abs(b[j]))
                for i in 0..<fan { a += Double(w[j * fan + i] * x[i]); total += Double(abs(w[j * fan + i] * x[i])) }
                let active = !activeFollows || a > 0
                let denom = norm == .share ? total : max(abs(a), Double(ContributionAccumulator.preactEpsilon))
                for i in 0..<fan {
                    var c = denom > 0 ? Double(abs(w[j * fan + i] * x[i])) / denom : 0
                    if blind && !active { c = 0 }
                    s1[j * fan + i] += c; s2[j * fan + i] += c * c
                }
            }
        }
        let n = Double(samples.count)
        let mean = s1.map { $0 / n }
        let spread = zip(s1, s2).map { max($1 / n - ($0 / n) * ($0 / n), 0).squareRoot() }
        return (mean, spread)
    }

    func scores(_ model: Model, _ data: Dataset, norm: String = "share", blind: Bool = true, k: Double,
                granularity: Granularity = .weights, batch: Int = 16) throws -> ScoreSet {
        try ContributionScorer().score(model, data: data, options: ScoreOptions(
            granularity: granularity, batchSize: batch,
            method: try methodValues("contribution", ["k": .number(k), "norm": .word(norm), "blind": .flag(blind)])))
    }

    func testDenseMeanAndSpreadMatchDirectComputation() throws {
        let model = Self.denseModel(), data = try Self.data([6], count: 101)
        let samples = (0..<data.count).map { s in (0..<6).map { data.samples[s * 6 + $0] } }
        let fc1 = try XCTUnwrap(model.nodes[1].layer as? Linear)
        for norm in [ContributionNorm.share, .preact] {
            for blind in [true, false] {
                let mean = try scores(model, data, norm: norm.rawValue, blind: blind, k: 0).weights["fc1.weight"] ?? []
                let withSpread = try scores(model, data, norm: norm.rawValue, blind: blind, k: 1).weights["fc1.weight"] ?? []
                let d = Self.direct(w: fc1.weight.value.array, b: fc1.bias?.value.array ?? [], out: 5, fan: 6, samples: samples,
                                    activeFollows: true, norm: norm, blind: blind)
                Fixtures.assertClose(mean, d.mean.map { Float($0) }, tolerance: 2e-4, "mean \(norm) blind=\(blind)")
                Fixtures.assertClose(zip(withSpread, mean).map { $0 - $1 }, d.spread.map { Float($0) }, tolerance: 2e-3,
                                     "spread \(norm) blind=\(blind)")
                XCTAssertTrue(mean.contains { $0 > 0.01 }, "contributions were all but zero")
            }
        }
        // The output layer has no activation after it, so the blind range never applies there.
        let fc2 = try XCTUnwrap(model.nodes[3].layer as? Linear)
        let hidden = samples.map { x -> [Float] in
            (0..<5).map { j -> Float in
                var a: Float = fc1.bias?.value[j] ?? 0
                for i in 0..<6 { a += fc1.weight.value[j * 6 + i] * x[i] }
                return max(0, a)
            }
        }
        let out = try scores(model, data, k: 0).weights["fc2.weight"] ?? []
        let d = Self.direct(w: fc2.weight.value.array, b: fc2.bias?.value.array ?? [], out: 3, fan: 5, samples: hidden,
                            activeFollows: false, norm: .share, blind: true)
        Fixtures.assertClose(out, d.mean.map { Float($0) }, tolerance: 2e-4, "output layer")
    }

    func testConvMatchesDirectPerPositionComputation() throws {
        let m = Model(inputShape: [2, 5, 5], classes: 3)
        let conv = Conv2d(2, 3, kernel: 3, stride: 2, padding: 1)
        var rng = RandomStream(seed: 4, stream: "test.conv")
        conv.initialize(&rng)
        let fc = Linear(3 * 3 * 3, 3)
        fc.initialize(&rng)
        m.add("conv", conv); m.add("relu", ReLU()); m.add("flat", Flatten()); m.add("fc", fc)
        let data = try Self.data([2, 5, 5], count: 23)
        // Every output position of every sample is one sample of the dense formula over its column.
        var columns: [[Float]] = []
        for s in 0..<data.count {
            for oy in 0..<3 { for ox in 0..<3 {
                var col: [Float] = []
                for c in 0..<2 { for ki in 0..<3 { for kj in 0..<3 {
                    let y = oy * 2 - 1 + ki, x = ox * 2 - 1 + kj
                    col.append(y >= 0 && y < 5 && x >= 0 && x < 5 ? data.samples[s * 50 + c * 25 + y * 5 + x] : 0)
                } } }
                columns.append(col)
            } }
        }
        for norm in [ContributionNorm.share, .preact] {
            let mean = try scores(m, data, norm: norm.rawValue, k: 0, batch: 5).weights["conv.weight"] ?? []
            let full = try scores(m, data, norm: norm.rawValue, k: 1, batch: 5).weights["conv.weight"] ?? []
            let d = Self.direct(w: conv.weight.value.array, b: conv.bias?.value.array ?? [], out: 3, fan: 18, samples: columns,
                                activeFollows: true, norm: norm, blind: true)
            Fixtures.assertClose(mean, d.mean.map { Float($0) }, tolerance: 2e-4, "conv mean \(norm)")
            Fixtures.assertClose(zip(full, mean).map { $0 - $1 }, d.spread.map { Float($0) }, tolerance: 2e-3, "conv spread \(norm)")
        }
        // Channels: the sum of the mean contributions each channel makes to fc (its 9 columns).
        let units = try XCTUnwrap(try scores(m, data, k: 1, granularity: .channels).units["conv"])
        let fcMean = try scores(m, data, k: 0).weights["fc.weight"] ?? []
        var expected = [Float](repeating: 0, count: 3)
        for c in 0..<3 { for j in 0..<3 { for p in 0..<9 { expected[c] += fcMean[j * 27 + c * 9 + p] } } }
        Fixtures.assertClose(units, expected, tolerance: 1e-4, "channel sums")
    }

    /// A batch of 1001 rows of 33 units is 33,033 per-unit factors, which the factor kernel
    /// splits across two threads (the model's configuration, whatever the machine has) in the
    /// middle of a row: the unit (and its bias) must still be found from the entry's place in its row.
    func testLargeBatchSplitMidRowMatchesDirectComputation() throws {
        let m = Model(inputShape: [6], classes: 3)
        m.configuration.threads = 2
        let a = Linear(6, 33), b = Linear(33, 3)
        var rng = RandomStream(seed: 5, stream: "test.contribution.split")
        a.initialize(&rng); b.initialize(&rng)
        for j in 0..<33 { a.bias?.value[j] = Float(j % 5) * 0.3 - 0.6 }
        m.add("fc1", a); m.add("relu1", ReLU()); m.add("fc2", b)
        let data = try Self.data([6], count: 1001)
        let samples = (0..<data.count).map { s in (0..<6).map { data.samples[s * 6 + $0] } }
        let mean = try scores(m, data, k: 0, batch: 1001).weights["fc1.weight"] ?? []
        let d = Self.direct(w: a.weight.value.array, b: a.bias?.value.array ?? [], out: 33, fan: 6, samples: samples,
                            activeFollows: true, norm: .share, blind: true)
        Fixtures.assertClose(mean, d.mean.map { Float($0) }, tolerance: 2e-4, "mean over a split batch")
    }

    func testNeuronScoresSumMeanContributionsToTheNextLayer() throws {
        let model = Self.denseModel(), data = try Self.data([6], count: 40)
        let units = try XCTUnwrap(try scores(model, data, k: 1, granularity: .neurons).units["fc1"])
        let next = try scores(model, data, k: 0).weights["fc2.weight"] ?? []
        let expected = (0..<5).map { i in (0..<3).reduce(Float(0)) { $0 + next[$1 * 5 + i] } }
        Fixtures.assertClose(units, expected, tolerance: 1e-5)
    }

    func testBatchSizeDoesNotChangeScores() throws {
        let model = Self.denseModel(), data = try Self.data([6], count: 77)
        let a = try scores(model, data, k: 1, batch: 1).weights["fc1.weight"] ?? []
        let b = try scores(model, data, k: 1, batch: 64).weights["fc1.weight"] ?? []
        Fixtures.assertClose(a, b, tolerance: 1e-4)
    }

    func testEdgeCasesStayFinite() throws {
        let model = Self.denseModel()
        // All-zero inputs: every pre-activation equals the bias; zero weights and biases: a = 0.
        let zeros = try Self.data([6], count: 10, zeroEvery: 1)
        for norm in ["share", "preact"] {
            for blind in [true, false] {
                let s = try scores(model, zeros, norm: norm, blind: blind, k: 1)
                XCTAssertTrue(s.weights.values.allSatisfy { $0.allSatisfy(\.isFinite) }, "\(norm) \(blind)")
                XCTAssertEqual(s.weights["fc1.weight"]?.reduce(0, +), 0, "no input, no contribution")
            }
        }
        let dead = Self.denseModel()
        guard let fc1 = dead.nodes[1].layer as? Linear else { return XCTFail() }
        for j in 0..<5 { fc1.bias?.value[j] = -1e3 }          // every hidden unit dead
        fc1.weight.value.zero(); fc1.weight.value[0] = 1       // and most weights zero
        let data = try Self.data([6], count: 30)
        for norm in ["share", "preact"] {
            let s = try scores(dead, data, norm: norm, k: 1)
            XCTAssertTrue(s.weights.values.allSatisfy { $0.allSatisfy(\.isFinite) })
            XCTAssertEqual(s.weights["fc1.weight"]?.reduce(0, +), 0, "dead units are in the blind range")
            let units = try scores(dead, data, norm: norm, k: 1, granularity: .neurons)
            XCTAssertEqual(units.units["fc1"]?.reduce(0, +), 0, "dead units pass nothing on")
        }
    }

    func testOptionsAreCheckedByName() throws {
        let model = Self.denseModel(), data = try Self.data([6], count: 8)
        XCTAssertThrowsError(try methodValues("contribution", ["norm": .word("l2")])) {
            XCTAssertTrue("\($0)".contains("norm="), "\($0)")
        }
        XCTAssertThrowsError(try methodValues("contribution", ["alpha": .number(0.3)])) {
            XCTAssertTrue("\($0)".contains("no option alpha"), "\($0)")
        }
        XCTAssertThrowsError(try ContributionScorer().score(model, data: nil, options: ScoreOptions())) {
            XCTAssertTrue("\($0)".contains("needs data"), "\($0)")
        }
        XCTAssertThrowsError(try ContributionScorer().score(model, data: try Self.data([7], count: 4), options: ScoreOptions())) {
            XCTAssertTrue("\($0)".contains("expects"), "\($0)")
        }
        // The model is unchanged by scoring.
        let before = model.parameters.map { $0.value.array }
        _ = try ContributionScorer().score(model, data: data, options: ScoreOptions())
        XCTAssertEqual(before, model.parameters.map { $0.value.array })
        XCTAssertTrue(model.observers.isEmpty, "the recorder detaches after scoring")
    }
}

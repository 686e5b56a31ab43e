import Engine
import Pruning
import XCTest

/// Streamed ANOVA F against a textbook two-pass computation, the weighted scheme, and the
/// degenerate cases (constant units, absent classes, a single class, no within-class spread).
final class ScreeningStatisticsTests: XCTestCase {
    /// Textbook one-way ANOVA: class means first, then squared deviations from them.
    static func twoPassF(_ values: [Double], _ labels: [Int]) -> Double {
        let classes = Set(labels).sorted()
        let n = Double(values.count), k = Double(classes.count)
        let grand = values.reduce(0, +) / n
        var between = 0.0, within = 0.0
        for c in classes {
            let members = zip(values, labels).filter { $0.1 == c }.map(\.0)
            let mean = members.reduce(0, +) / Double(members.count)
            between += Double(members.count) * (mean - grand) * (mean - grand)
            within += members.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        }
        return (between / (k - 1)) / (within / (n - k))
    }

    /// Features with class-dependent means of different strength, plus a large offset.
    static func data(count: Int, features: Int, classes: Int, labelsUsed: Int? = nil, seed: UInt64 = 3) throws -> Dataset {
        var rng = RandomStream(seed: seed, stream: "test.screening")
        let x = Tensor(shape: [count, features])
        var labels: [Int32] = []
        for s in 0..<count {
            let y = s % (labelsUsed ?? classes)
            labels.append(Int32(y))
            for f in 0..<features { x[s * features + f] = 100 + Float(f) * 0.3 * Float(y) + rng.normal() }
        }
        return try Dataset(name: "screen", samples: x, labels: labels, classes: classes)
    }

    static func denseModel(features: Int, classes: Int) -> Model {
        let m = Model(inputShape: [features], classes: classes)
        let fc1 = Linear(features, 4), fc2 = Linear(4, classes)
        var rng = RandomStream(seed: 1, stream: "test.screening.init")
        fc1.initialize(&rng); fc2.initialize(&rng)
        m.add("fc1", fc1); m.add("relu", ReLU()); m.add("fc2", fc2)
        return m
    }

    func accumulate(_ data: Dataset, units: Int, batch: Int = 16) throws -> ScreeningAccumulator {
        let acc = ScreeningAccumulator(units: units, classes: data.classes)
        let it = try BatchIterator(data, batchSize: batch, shuffle: false)
        while let b = it.next() { try acc.add(b.images, labels: b.labels) }
        return acc
    }

    func testStreamedFMatchesTwoPass() throws {
        let data = try Self.data(count: 157, features: 5, classes: 4)
        let f = try accumulate(data, units: 5).fStatistics()
        for u in 0..<5 {
            let values = (0..<data.count).map { Double(data.samples[$0 * 5 + u]) }
            let expected = Self.twoPassF(values, data.labels.map(Int.init))
            XCTAssertEqual(f[u], expected, accuracy: 1e-6 * max(1, expected), "unit \(u)")
        }
        XCTAssertGreaterThan(f[4], f[1], "stronger class effect, larger F")
    }

    func testChannelsAreSpatiallyAveraged() throws {
        var rng = RandomStream(seed: 8, stream: "test.screening.conv")
        let x = Tensor(shape: [60, 2, 3, 3])
        let labels = (0..<60).map { Int32($0 % 3) }
        for i in 0..<x.count { x[i] = rng.normal() + ((i / 9) % 2 == 0 ? Float(labels[i / 18]) : 0) }
        let data = try Dataset(name: "img", samples: x, labels: labels, classes: 3)
        let f = try accumulate(data, units: 2, batch: 7).fStatistics()
        for c in 0..<2 {
            let values = (0..<60).map { s in (0..<9).reduce(0.0) { $0 + Double(x[s * 18 + c * 9 + $1]) } / 9 }
            XCTAssertEqual(f[c], Self.twoPassF(values, labels.map(Int.init)), accuracy: 1e-6 * max(1, f[c]))
        }
    }

    func testWeightedSchemeForDenseWeights() throws {
        let data = try Self.data(count: 90, features: 5, classes: 3)
        let m = Self.denseModel(features: 5, classes: 3)
        let s = try ScreeningScorer().score(m, data: data, options: ScoreOptions(method: try methodValues("screening", ["alpha": .number(0.3)])))
        let fc1 = try XCTUnwrap(m.nodes[1].layer as? Linear)
        let f = (0..<5).map { u in Self.twoPassF((0..<90).map { Double(data.samples[$0 * 5 + u]) }, data.labels.map(Int.init)) }
        let std = (0..<5).map { u -> Double in
            let v = (0..<90).map { Double(data.samples[$0 * 5 + u]) }, mean = v.reduce(0, +) / 90
            return (v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 90).squareRoot()
        }
        let mag = (0..<20).map { Double(abs(fc1.weight.value[$0])) * std[$0 % 5] }
        let fMax = f.max() ?? 1, mMax = mag.max() ?? 1
        let expected = (0..<20).map { Float(0.3 * f[$0 % 5] / fMax + 0.7 * mag[$0] / mMax) }
        Fixtures.assertClose(s.weights["fc1.weight"] ?? [], expected, tolerance: 1e-4)
        XCTAssertEqual(s.weights["fc2.weight"]?.count, 12)
        // Neurons: F of the hidden unit as fc2 reads it, with the L1 norm of its row.
        let n = try ScreeningScorer().score(m, data: data, options: ScoreOptions(granularity: .neurons))
        XCTAssertEqual(n.units["fc1"]?.count, 4)
        XCTAssertTrue(n.units["fc1"]?.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 } ?? false)
    }

    func testDegenerateCasesStayFinite() throws {
        // Unit 0 constant, unit 1 constant within each class but different across classes.
        let x = Tensor(shape: [12, 3])
        let labels = (0..<12).map { Int32($0 % 3) }
        var rng = RandomStream(seed: 2, stream: "test.screening.edge")
        for s in 0..<12 { x[s * 3] = 0.7; x[s * 3 + 1] = Float(labels[s]) * 2; x[s * 3 + 2] = rng.normal() }
        // Five classes declared, only three present: the absent ones change nothing.
        let five = try Dataset(name: "five", samples: x, labels: labels, classes: 5)
        let three = try Dataset(name: "three", samples: x, labels: labels, classes: 3)
        let f5 = try accumulate(five, units: 3, batch: 5).fStatistics()
        let f3 = try accumulate(three, units: 3).fStatistics()
        XCTAssertEqual(f5, f3)
        XCTAssertEqual(f5[0], 0, "a constant unit carries no evidence")
        XCTAssertTrue(f5[1].isFinite && f5[1] > 1e6, "zero within-class spread: large but finite, got \(f5[1])")
        // A single class: no between-class variation exists.
        let one = try Dataset(name: "one", samples: x, labels: Array(repeating: 0, count: 12), classes: 3)
        XCTAssertEqual(try accumulate(one, units: 3).fStatistics(), [0, 0, 0])
        // One sample per class: no within-class degrees of freedom.
        let single = try Dataset(name: "single", samples: try Self.data(count: 3, features: 3, classes: 3).samples,
                                 labels: [0, 1, 2], classes: 3)
        XCTAssertTrue(try accumulate(single, units: 3).fStatistics().allSatisfy(\.isFinite))
        // Whole scorer on degenerate data, every granularity.
        let m = Self.denseModel(features: 3, classes: 5)
        for data in [five, one] {
            for g in [Granularity.weights, .neurons] {
                let s = try ScreeningScorer().score(m, data: data, options: ScoreOptions(granularity: g))
                XCTAssertTrue((s.weights.values.flatMap { $0 } + s.units.values.flatMap { $0 }).allSatisfy(\.isFinite))
            }
        }
    }

    func testRawImageConvAndChannels() throws {
        let m = try Fixtures.model("lenet5", input: [1, 28, 28], classes: 4)
        let data = try Fixtures.data([1, 28, 28], classes: 4, count: 40)
        let w = try ScreeningScorer().score(m, data: data, options: ScoreOptions(batchSize: 16))
        for p in PrunableWeights.of(m) {
            XCTAssertEqual(w.weights[p.name]?.count, p.value.count)
            XCTAssertTrue(w.weights[p.name]?.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 } ?? false, p.name)
        }
        let c = try ScreeningScorer().score(m, data: data, options: ScoreOptions(granularity: .channels, batchSize: 16))
        try c.validate(against: m, structure: StructureAnalysis(m))
        XCTAssertThrowsError(try methodValues("screening", ["alpha": .number(1.5)]))
        XCTAssertThrowsError(try methodValues("screening", ["blind": .flag(true)])) {
            XCTAssertTrue("\($0)".contains("no option blind"), "\($0)")
        }
    }
    /// Structured screening against a direct computation: every layer's output for the whole
    /// sample at once (no observer, no streaming), the units' values as the next layer reads
    /// them (a channel averaged over the flatten's H*W columns, a neuron after its ReLU), the
    /// textbook two-pass F over them, and the weighted scheme with each part divided by its
    /// layer's maximum.
    func testStructuredScoresMatchADirectTwoPassComputation() throws {
        let m = Model(inputShape: [2, 4, 4], classes: 3)
        var rng = RandomStream(seed: 5, stream: "test.screening.structured")
        let conv = Conv2d(2, 3, kernel: 3, padding: 1), fc = Linear(12, 4), out = Linear(4, 3)
        conv.initialize(&rng); fc.initialize(&rng); out.initialize(&rng)
        m.add("conv", conv); m.add("relu", ReLU()); m.add("pool", MaxPool2d(kernel: 2)); m.add("flat", Flatten())
        m.add("fc", fc); m.add("relu2", ReLU()); m.add("out", out)
        // Class-dependent inputs, so F differs between units.
        let count = 90
        let x = Tensor(shape: [count, 2, 4, 4])
        var labels = [Int32]()
        for s in 0..<count {
            labels.append(Int32(s % 3))
            for i in 0..<32 { x[s * 32 + i] = rng.normal() + Float(s % 3) * (i % 2 == 0 ? 0.8 : -0.3) }
        }
        let data = try Dataset(name: "structured", samples: x, labels: labels, classes: 3)

        var outputs = [x]
        for node in m.nodes.indices.dropFirst() {
            outputs.append(try XCTUnwrap(m.nodes[node].layer).forward([outputs[node - 1]], mode: .eval))
        }
        let pooled = outputs[3], hidden = outputs[6]      // the flatten's input [n, 3, 2, 2]; relu2's output [n, 4]
        let channelValues = (0..<3).map { c in
            (0..<count).map { s in (0..<4).reduce(0.0) { $0 + Double(pooled[s * 12 + c * 4 + $1]) } / 4 }
        }
        let neuronValues = (0..<4).map { u in (0..<count).map { s in Double(hidden[s * 4 + u]) } }
        let classes = labels.map(Int.init)

        func expected(_ values: [[Double]], _ weight: Parameter, alpha: Double) -> [Double] {
            let f = values.map { Self.twoPassF($0, classes) }
            let fan = weight.value.count / values.count
            let l1 = (0..<values.count).map { u in (0..<fan).reduce(0.0) { $0 + Double(abs(weight.value[u * fan + $1])) } }
            let fMax = f.max() ?? 1, l1Max = l1.max() ?? 1
            return (0..<values.count).map { alpha * f[$0] / fMax + (1 - alpha) * l1[$0] / l1Max }
        }
        for alpha in [0.5, 0.3] {
            let given: [String: MethodOptionValue] = ["alpha": .number(alpha)]
            let channels = try ScreeningScorer().score(m, data: data, options: ScoreOptions(
                granularity: .channels, batchSize: 16, method: try methodValues("screening", given)))
            let neurons = try ScreeningScorer().score(m, data: data, options: ScoreOptions(
                granularity: .neurons, batchSize: 16, method: try methodValues("screening", given)))
            for (got, want, label) in [(try XCTUnwrap(channels.units["conv"]), expected(channelValues, conv.weight, alpha: alpha), "channels"),
                                       (try XCTUnwrap(neurons.units["fc"]), expected(neuronValues, fc.weight, alpha: alpha), "neurons")] {
                XCTAssertEqual(got.count, want.count, label)
                for (g, w) in zip(got, want) { XCTAssertEqual(Double(g), w, accuracy: 1e-5, "\(label) alpha \(alpha): \(got) vs \(want)") }
                XCTAssertGreaterThan(Set(got).count, 1, "\(label): the units differ, so the check means something")
            }
        }
    }
}

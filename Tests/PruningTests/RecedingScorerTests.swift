import Engine
@testable import Pruning
import XCTest

/// `score receding` and the global quantile-threshold rule of its publication.
final class RecedingScorerTests: XCTestCase {
    private func sigmoidMLP(_ hidden: [Int], seed: UInt64 = 4) throws -> Model {
        try Zoo.build("mlp", ZooOptions(inputShape: [6], classes: 3, norm: .sigmoid, hidden: hidden, seed: seed))
    }

    private func setThetas(_ model: Model, _ values: [[Float]]) {
        let bns = model.nodes.compactMap { $0.layer as? SigmoidBatchNorm }
        for (bn, v) in zip(bns, values) { for c in v.indices { bn.weight.value[c] = v[c] } }
    }

    private func score(_ model: Model, _ granularity: Granularity = .neurons) throws -> ScoreSet {
        try RecedingScorer().score(model, data: nil, options: ScoreOptions(granularity: granularity))
    }

    func testImportanceIsTheGateWithoutShiftAndEveryLayerKeepsThree() throws {
        let model = try sigmoidMLP([4, 5])
        setThetas(model, [[-2, 0, 1, 30], [-50, -1, 0.5, 2, 4]])
        let set = try score(model)
        XCTAssertEqual(set.method, "receding")
        XCTAssertEqual(set.minKeep, 3)
        let first = try XCTUnwrap(set.units["1"])
        for (s, t) in zip(first, [Float(-2), 0, 1, 30]) { XCTAssertEqual(s, 1 / (1 + exp(-t)), accuracy: 1e-6) }
        XCTAssertEqual(set.units["4"]?.count, 5)
        XCTAssertTrue(set.units.values.joined().allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    /// The authors' rule written out directly: threshold = numpy-style linear quantile of all
    /// importances; keep strictly above; a layer with fewer than 3 above keeps its best 3.
    private func paperKeep(_ layers: [[Float]], ratio: Double, minKeep: Int = 3) -> [[Int]] {
        let all = layers.joined().map(Double.init).sorted()
        let pos = ratio * Double(all.count - 1)
        let lo = Int(pos), hi = min(lo + 1, all.count - 1)
        let th = all[lo] + (all[hi] - all[lo]) * (pos - Double(lo))
        return layers.map { s in
            let above = s.indices.filter { Double(s[$0]) > th }
            if above.count >= minKeep { return above }
            return Array(s.indices.sorted { s[$0] > s[$1] || (s[$0] == s[$1] && $0 < $1) }.prefix(minKeep)).sorted()
        }
    }

    func testGlobalPruningIsOneQuantileThresholdWithAStrictKeepRule() throws {
        let model = try sigmoidMLP([9, 12, 7])
        let structure = try StructureAnalysis(model)
        var rng = RandomStream(seed: 11, stream: "test.thetas")
        for trial in 0..<20 {
            // Bimodal thetas like a receding-trained model, with one weak layer now and then.
            let values: [[Float]] = [9, 12, 7].enumerated().map { l, n in
                (0..<n).map { _ in
                    let weakLayer = trial % 3 == 0 && l == 1
                    return rng.uniform() < (weakLayer ? 0.9 : 0.5) ? rng.normal() * 2 - 8 : rng.normal() * 2 + 4
                }
            }
            setThetas(model, values)
            let set = try score(model)
            let layers = ["1", "4", "7"].map { set.units[$0] ?? [] }
            for ratio in [0.3, 0.5, 0.7, 0.9] {
                let keep = try Allocator.allocate(model, scores: set, request: PruneRequest(amount: .ratio(ratio)), structure: structure)
                let expected = paperKeep(layers, ratio: ratio)
                XCTAssertEqual(["1", "4", "7"].map { keep.units[$0] ?? [] }, expected, "trial \(trial), ratio \(ratio)")
                XCTAssertTrue(keep.units.values.allSatisfy { $0.count >= 3 })
            }
        }
    }

    func testUnitsTiedAtTheThresholdAllGo() throws {
        let model = try sigmoidMLP([6, 6])
        let structure = try StructureAnalysis(model)
        // 12 gates; the 0.5-quantile is 0.5, shared by six units: all six go, not three of them.
        let gate = Float(0)
        setThetas(model, [[-6, gate, gate, gate, 5, 6], [gate, gate, gate, 4, 7, 8]])
        let set = try score(model)
        let keep = try Allocator.allocate(model, scores: set, request: PruneRequest(amount: .ratio(0.5)), structure: structure)
        XCTAssertEqual(keep.units["1"], [1, 4, 5], "2 above the threshold, topped up to 3 with the best tied unit")
        XCTAssertEqual(keep.units["4"], [3, 4, 5])
        // A count-based rule (the default for other methods) would keep exactly 6 with tie-breaking by index.
        var plain = set
        plain.method = "hand"
        let counted = try Allocator.allocate(model, scores: plain, request: PruneRequest(amount: .ratio(0.5)), structure: structure)
        XCTAssertEqual(counted.units.values.reduce(0) { $0 + $1.count }, 6)
    }

    func testIterativeStepsKeepTheRequestedCount() throws {
        let model = try sigmoidMLP([8, 8])
        let structure = try StructureAnalysis(model)
        setThetas(model, [(0..<8).map { Float($0) - 4 }, (0..<8).map { Float($0) * 0.5 }])
        let set = try score(model)
        let request = PruneRequest(amount: .ratio(0.5), reference: ["1": 10, "4": 10])
        let keep = try Allocator.allocate(model, scores: set, request: request, structure: structure)
        XCTAssertEqual(keep.units.values.reduce(0) { $0 + $1.count }, 10, "20 reference units, half kept")
    }

    func testResNetsScoreEveryConvolutionIncludingTheResidualStream() throws {
        let model = try Zoo.build("resnet20", ZooOptions(inputShape: [3, 8, 8], classes: 4, norm: .sigmoid, width: 0.5))
        let structure = try StructureAnalysis(model)
        let set = try score(model, .channels)
        XCTAssertEqual(set.units.count, 19, "the stem and two convolutions in each of nine basic blocks")
        XCTAssertEqual(structure.channelGroups(.channels).count, 10, "the residual stream is one group")
        XCTAssertEqual(structure.fixed.map(\.name), ["linear"])
        let pruner = try Pruner.prune(model, scores: set, request: PruneRequest(amount: .ratio(0.9)), latency: nil)
        XCTAssertGreaterThan(pruner.after.parameters, 0)
        for node in model.nodes {
            if let bn = node.layer as? SigmoidBatchNorm, node.name.hasSuffix(".bn1") { XCTAssertGreaterThanOrEqual(bn.channels, 3) }
        }
        let x = Tensor(shape: [2, 3, 8, 8])
        XCTAssertTrue(model.forward(x, mode: .eval).array.allSatisfy(\.isFinite))
    }

    func testRefusesModelsWithoutGatesAndUnstructuredGranularity() throws {
        let bn = try Zoo.build("mlp", ZooOptions(inputShape: [6], classes: 3, norm: .bn, hidden: [5]))
        XCTAssertThrowsError(try score(bn)) { e in
            XCTAssertTrue("\(e)".contains("score receding"), "\(e)")
            XCTAssertTrue("\(e)".contains("norm=sigmoid"), "\(e)")
        }
        XCTAssertThrowsError(try score(try sigmoidMLP([5]), .weights)) { e in
            XCTAssertTrue("\(e)".contains("granularity=channels"), "\(e)")
        }
        XCTAssertEqual(MethodCatalog.scoring("receding")?.scorer().name, "receding")
        XCTAssertEqual(MethodCatalog.scoring("receding")?.defaultGranularity, .channels)
    }
}

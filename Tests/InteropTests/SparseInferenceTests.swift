import Engine
import Foundation
import XCTest

/// The CSR eval path against the dense kernels on the same weights. The kernels are chosen by
/// the configuration each forward is given, so nothing here changes state other tests see.
final class SparseInferenceTests: XCTestCase {
    private let sparseOn = EngineConfiguration.standard
    private let sparseOff = EngineConfiguration(sparseInference: .off)

    private func masked(_ p: Parameter, density: Double, seed: UInt64) {
        var rng = RandomStream(seed: seed, stream: "mask")
        let m = Tensor(shape: p.value.shape)
        for i in 0..<m.count { m[i] = Double(rng.uniform()) < density ? 1 : 0 }
        p.mask = m
        p.applyMask()
    }

    private func random(_ shape: [Int], seed: UInt64) -> Tensor {
        var rng = RandomStream(seed: seed, stream: "x")
        let t = Tensor(shape: shape)
        for i in 0..<t.count { t[i] = rng.uniform(-1, 1) }
        return t
    }

    private func compare(_ layer: Layer, _ x: Tensor, file: StaticString = #filePath, line: UInt = #line) -> Float {
        let dense = layer.forward([x], mode: .eval, configuration: sparseOff).array
        let sparse = layer.forward([x], mode: .eval, configuration: sparseOn).array
        let scale = dense.reduce(Float(0)) { max($0, abs($1)) }
        let diff = maxAbsDifference(dense, sparse)
        XCTAssertLessThanOrEqual(diff, 1e-5 * max(1, scale), "sparse and dense forwards differ", file: file, line: line)
        return diff
    }

    func testSparseMatrixRoundTripsDense() {
        let d = random([7, 13], seed: 1)
        for i in stride(from: 0, to: d.count, by: 3) { d[i] = 0 }
        let s = SparseMatrix(dense: d.data, rows: 7, columns: 13)
        XCTAssertEqual(s.dense().array, d.array)
        XCTAssertEqual(s.nonZeroCount, d.array.filter { $0 != 0 }.count)
    }

    func testLinearMatchesDenseAtSeveralDensitiesAndBatches() {
        for (density, batch) in [(0.05, 256), (0.2, 3), (0.0, 4), (0.14, 1)] {
            let fc = Linear(97, 31)
            var rng = RandomStream(seed: 3, stream: "init")
            fc.initialize(&rng)
            masked(fc.weight, density: density, seed: 5)
            _ = compare(fc, random([batch, 97], seed: 9))
        }
    }

    func testConvMatchesDenseWithStridePaddingAndPointwise() {
        for (kernel, stride, padding, bias) in [(3, 1, 1, true), (3, 2, 0, false), (1, 1, 0, true), (5, 2, 2, true)] {
            let conv = Conv2d(6, 8, kernel: kernel, stride: stride, padding: padding, bias: bias)
            var rng = RandomStream(seed: 4, stream: "init")
            conv.initialize(&rng)
            masked(conv.weight, density: 0.1, seed: 6)
            _ = compare(conv, random([3, 6, 11, 11], seed: 10))
        }
    }

    /// Pruning changes weights between eval passes without any training step: the cached CSR
    /// form must follow, or the sparse path would silently compute with the old weights.
    func testCacheFollowsWeightChangesOutsideTraining() {
        let fc = Linear(64, 16)
        var rng = RandomStream(seed: 8, stream: "init")
        fc.initialize(&rng)
        masked(fc.weight, density: 0.12, seed: 1)
        let x = random([5, 64], seed: 2)
        _ = compare(fc, x)
        masked(fc.weight, density: 0.05, seed: 3)   // a further pruning step
        _ = compare(fc, x)
        fc.weight.value[0] = 0.5                     // an in-place edit of one weight
        _ = compare(fc, x)
    }

    func testDenseOrUnmaskedWeightsStayOnDenseKernel() {
        let fc = Linear(32, 8)
        var rng = RandomStream(seed: 2, stream: "init")
        fc.initialize(&rng)
        // No mask: zeros alone do not switch paths, and the result is the dense one exactly.
        for i in 0..<(fc.weight.value.count * 9 / 10) { fc.weight.value[i] = 0 }
        let x = random([4, 32], seed: 1)
        let dense = fc.forward([x], mode: .eval, configuration: sparseOff).array
        XCTAssertEqual(fc.forward([x], mode: .eval, configuration: sparseOn).array, dense)
    }

    func testTrainModeKeepsDenseMaskedWeightsAndGradients() {
        let fc = Linear(40, 10)
        var rng = RandomStream(seed: 2, stream: "init")
        fc.initialize(&rng)
        masked(fc.weight, density: 0.05, seed: 4)
        let x = random([6, 40], seed: 3)
        let reference = fc.forward([x], mode: .train, configuration: sparseOff).array
        XCTAssertEqual(fc.forward([x], mode: .train, configuration: sparseOn).array, reference,
                       "train mode must not use the sparse kernel")
    }

    /// A whole pruned network: eval logits with the CSR path equal the dense reference.
    func testPrunedLeNet300LogitsMatchDense() throws {
        let m = try ModelFixtures.masked(ModelFixtures.build("lenet300", [1, 28, 28]), ratio: 0.95)
        let x = ModelFixtures.input([1, 28, 28], batch: 32)
        m.configuration = sparseOff
        let dense = ModelFixtures.logits(m, x)
        m.configuration = sparseOn
        let sparse = ModelFixtures.logits(m, x)
        XCTAssertLessThanOrEqual(maxAbsDifference(dense, sparse), 1e-4)
    }

    /// An evaluation pass checks each weight once, on its first batch; a change made between two
    /// passes (pruning further, editing a weight) must still reach the next pass.
    func testEvaluationPassesFollowWeightChangesBetweenPasses() throws {
        let m = try ModelFixtures.masked(ModelFixtures.build("lenet300", [1, 28, 28]), ratio: 0.9)
        let data = try SyntheticData.make(.init(trainCount: 600, testCount: 1, classes: 10, sampleShape: [1, 28, 28]), seed: 4).train
        func bothWays() throws -> (sparse: Evaluation, dense: Evaluation) {
            m.configuration = sparseOn
            let sparse = try Evaluator.evaluate(m, on: data, batchSize: 64)
            m.configuration = sparseOff
            defer { m.configuration = sparseOn }
            return (sparse, try Evaluator.evaluate(m, on: data, batchSize: 64))
        }
        let first = try bothWays()
        XCTAssertEqual(first.sparse.loss, first.dense.loss, accuracy: 1e-4)
        let fc = try XCTUnwrap(m.nodes.compactMap { $0.layer as? Linear }.first)
        masked(fc.weight, density: 0.02, seed: 11)          // pruned further between passes
        for i in 0..<50 { fc.weight.value[i * 7] *= 3 }      // and edited in place
        let second = try bothWays()
        XCTAssertEqual(second.sparse.loss, second.dense.loss, accuracy: 1e-4)
        XCTAssertNotEqual(second.sparse.loss, first.sparse.loss, accuracy: 1e-6)
    }

    /// The threshold is part of each model's configuration: two copies of a network pruned to
    /// 40% density, one compressing every masked weight and one on the standard thresholds (its
    /// larger layers stay dense), run at the same time and give the same logits.
    func testPolicyIsPerModelAndBothModelsAgree() throws {
        let always = try ModelFixtures.masked(ModelFixtures.build("lenet300", [1, 28, 28]), ratio: 0.6)
        let standard = try ModelFixtures.masked(ModelFixtures.build("lenet300", [1, 28, 28]), ratio: 0.6)
        always.configuration = EngineConfiguration(sparseInference: .always)
        let x = ModelFixtures.input([1, 28, 28], batch: 16)
        let results = UnsafeMutableBufferPointer<[Float]>.allocate(capacity: 2)
        results.initialize(repeating: [])
        defer { results.deinitialize(); results.deallocate() }
        let shared = UncheckedBox((models: [always, standard], x: x, out: results))
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            shared.value.out[i] = ModelFixtures.logits(shared.value.models[i], shared.value.x)
        }
        let logits = Array(results)
        XCTAssertEqual(logits[0].count, logits[1].count)
        XCTAssertLessThanOrEqual(maxAbsDifference(logits[0], logits[1]), 1e-4)
        XCTAssertEqual(standard.configuration, EngineConfiguration.standard, "one model's setting leaves the other's alone")
    }
}

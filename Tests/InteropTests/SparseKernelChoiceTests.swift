import Engine
import Foundation
import XCTest

/// Every Linear kernel the cost model can pick (CSR rows, CSR panels, shared panels) against the
/// dense product on the same masked weights, on shapes that do not fit the vector widths, and
/// the choice itself on the cases it exists for.
final class SparseKernelChoiceTests: XCTestCase {
    private let dense = EngineConfiguration(sparseInference: .off)

    private func forced(_ kernel: LinearKernel, threads: Int = 2) -> EngineConfiguration {
        EngineConfiguration(threads: threads, sparseInference: SparseInferencePolicy(linearKernels: LinearKernels(kernel)))
    }

    /// A layer whose weight keeps each entry with probability `density`, plus, when asked, output
    /// rows with no nonzero at all.
    private func layer(_ inputs: Int, _ outputs: Int, density: Double, emptyRows: [Int] = [], bias: Bool = true,
                       seed: UInt64) -> Linear {
        let fc = Linear(inputs, outputs, bias: bias)
        var rng = RandomStream(seed: seed, stream: "init")
        fc.initialize(&rng)
        let m = Tensor(shape: fc.weight.value.shape)
        for i in 0..<m.count { m[i] = Double(rng.uniform()) < density ? 1 : 0 }
        for r in emptyRows { for j in 0..<inputs { m[r * inputs + j] = 0 } }
        fc.weight.mask = m
        fc.weight.applyMask()
        return fc
    }

    private func input(_ batch: Int, _ features: Int, seed: UInt64) -> Tensor {
        var rng = RandomStream(seed: seed, stream: "x")
        let t = Tensor(shape: [batch, features])
        for i in 0..<t.count { t[i] = rng.uniform(-1, 1) }
        return t
    }

    /// `kernel` against sgemm on the same weights, 1e-5 relative to the largest output.
    private func assertMatchesDense(_ fc: Linear, _ x: Tensor, _ kernel: LinearKernel, threads: Int = 2,
                                    _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let reference = fc.forward([x], mode: .eval, configuration: dense).array
        let got = fc.forward([x], mode: .eval, configuration: forced(kernel, threads: threads)).array
        XCTAssertEqual(fc.lastEvalKernel, kernel, "\(what): the forced kernel ran", file: file, line: line)
        let scale = reference.reduce(Float(0)) { max($0, abs($1)) }
        XCTAssertLessThanOrEqual(maxAbsDifference(reference, got), 1e-5 * max(1, scale),
                                 "\(what): \(kernel) differs from the dense product", file: file, line: line)
    }

    func testEveryKernelMatchesDenseOnOddShapes() {
        // Inputs and outputs off the 8- and 16-wide vectors, rows shorter and longer than one
        // 16-wide gather, batches below, at and across panel boundaries.
        let shapes = [(37, 13), (97, 31), (16, 8), (1, 5), (130, 17)]
        let batches = [1, 3, 16, 17, 257]
        for (i, (inputs, outputs)) in shapes.enumerated() {
            for density in [0.07, 0.5, 1.0] {
                let fc = layer(inputs, outputs, density: density, emptyRows: outputs > 3 ? [0, outputs - 2] : [],
                               bias: i % 2 == 0, seed: UInt64(i))
                for batch in batches {
                    let x = input(batch, inputs, seed: UInt64(batch))
                    for kernel in [LinearKernel.csrRows, .csrPanels] {
                        assertMatchesDense(fc, x, kernel, "\(inputs)->\(outputs) density \(density) batch \(batch)")
                    }
                }
            }
        }
    }

    /// A fully pruned layer outputs its bias (or zeros) on every kernel.
    func testFullyZeroLayerGivesTheBias() {
        for bias in [true, false] {
            let fc = layer(45, 19, density: 0, bias: bias, seed: 3)
            XCTAssertEqual(fc.weight.nonZeroCount, 0)
            for batch in [1, 3, 33] {
                let x = input(batch, 45, seed: 4)
                for kernel in [LinearKernel.csrRows, .csrPanels] {
                    assertMatchesDense(fc, x, kernel, "all-zero weight, bias \(bias), batch \(batch)")
                    let y = fc.forward([x], mode: .eval, configuration: forced(kernel)).array
                    for s in 0..<batch {
                        for o in 0..<19 { XCTAssertEqual(y[s * 19 + o], bias ? fc.bias!.value[o] : 0) }
                    }
                }
            }
        }
    }

    /// The panels shared through one counter give, thread count aside, the same bits: each panel
    /// is computed the same way whichever thread takes it.
    func testSharedPanelsAreBitwiseTheSameForAnyThreadCount() {
        let fc = layer(300, 100, density: 0.4, seed: 9)
        let x = input(257, 300, seed: 2)
        let one = fc.forward([x], mode: .eval, configuration: forced(.csrPanels, threads: 1)).array
        for threads in [2, 3, 8] {
            XCTAssertEqual(fc.forward([x], mode: .eval, configuration: forced(.csrPanels, threads: threads)).array, one,
                           "\(threads) threads")
        }
    }

    /// The rows kernel split over output rows (one sample) or samples (several), when its work
    /// is large enough to be shared, against the dense product.
    func testRowsKernelSplitAcrossThreadsMatchesDense() {
        let fc = layer(2_000, 1_200, density: 0.5, seed: 5)
        let cost = LinearKernelCost(rows: 1_200, columns: 2_000, nonZeros: fc.weight.nonZeroCount, batch: 1)
        XCTAssertGreaterThan(cost.nanoseconds(.csrRows), LinearKernelCost.parallelWork, "the split path runs")
        for batch in [1, 3] {
            assertMatchesDense(fc, input(batch, 2_000, seed: 7), .csrRows, "split rows, batch \(batch)")
        }
    }

    /// The standard choice on LeNet-300's first layer: rows for one sample, panels for a batch,
    /// dense once the weight is dense, and dense whenever the policy is off.
    func testCostModelPicksByDensityAndBatch() {
        let standard = SparseInferencePolicy.standard.linearKernels
        func pick(density: Double, batch: Int, _ allowed: LinearKernels = standard) -> LinearKernel {
            LinearKernelCost(rows: 300, columns: 784, nonZeros: Int(density * 784 * 300), batch: batch).choose(from: allowed)
        }
        XCTAssertEqual(pick(density: 0.05, batch: 1), .csrRows)
        XCTAssertEqual(pick(density: 0.05, batch: 256), .csrPanels)
        XCTAssertEqual(pick(density: 1.0, batch: 1), .dense)
        XCTAssertEqual(pick(density: 1.0, batch: 256), .dense)
        XCTAssertEqual(pick(density: 0.6, batch: 256), .dense)
        XCTAssertEqual(pick(density: 1.0, batch: 256, .sparse), .csrPanels, "without dense the best sparse kernel runs")
        XCTAssertEqual(pick(density: 0.05, batch: 1, .dense), .dense)
        // A fingerprint as large as the product decides against the sparse kernels at batch 1.
        let c = LinearKernelCost(rows: 300, columns: 784, nonZeros: 30_000, batch: 1)
        XCTAssertEqual(c.choose(from: standard), .csrRows)
        XCTAssertEqual(c.choose(from: standard, sparseOverhead: c.nanoseconds(.dense)), .dense)
    }

    /// Through the layer: the kernel that ran follows the batch and the density.
    func testLayerRunsTheChosenKernel() {
        let sparse = layer(784, 300, density: 0.05, seed: 1)
        let standard = EngineConfiguration.standard
        SparseInference.withWeightsFixed {
            _ = sparse.forward([input(1, 784, seed: 1)], mode: .eval, configuration: standard)
            XCTAssertEqual(sparse.lastEvalKernel, .csrRows)
            _ = sparse.forward([input(256, 784, seed: 1)], mode: .eval, configuration: standard)
            XCTAssertEqual(sparse.lastEvalKernel, .csrPanels)
        }
        // A later pass: the layer knows its count, and one check per pass is cheap whatever it costs.
        SparseInference.withWeightsFixed {
            for _ in 0..<2 {
                _ = sparse.forward([input(1, 784, seed: 1)], mode: .eval, configuration: standard)
                XCTAssertEqual(sparse.lastEvalKernel, .csrRows)
            }
        }
        let full = layer(784, 300, density: 1.0, seed: 1)
        _ = full.forward([input(256, 784, seed: 1)], mode: .eval, configuration: standard)
        XCTAssertEqual(full.lastEvalKernel, .dense)
        _ = sparse.forward([input(1, 784, seed: 1)], mode: .eval, configuration: dense)
        XCTAssertEqual(sparse.lastEvalKernel, .dense)
    }

    /// Outside an evaluation pass a batch of one would pay a fingerprint of the whole weight
    /// before a sparse kernel; once the layer knows its weight is too dense for that to pay, it
    /// stays dense without looking, and a weight pruned further is still noticed by the next
    /// batch large enough to look.
    func testOutsideAPassSmallBatchesStayDenseWhenTheCheckWouldNotPay() {
        let fc = layer(784, 300, density: 0.3, seed: 2)
        let one = input(1, 784, seed: 3), many = input(64, 784, seed: 3)
        _ = fc.forward([one], mode: .eval, configuration: .standard)
        XCTAssertEqual(fc.lastEvalKernel, .dense)
        // Pruned to 2%: a batch of 64 fingerprints, sees it, and goes sparse with the new weight.
        let m = fc.weight.mask!
        var rng = RandomStream(seed: 8, stream: "prune")
        for i in 0..<m.count where Double(rng.uniform()) > 0.07 { m[i] = 0 }
        fc.weight.applyMask()
        // One sample still goes by the count it saw (dense is right whatever the weight holds).
        let single = fc.forward([one], mode: .eval, configuration: .standard).array
        XCTAssertEqual(fc.lastEvalKernel, .dense)
        XCTAssertLessThanOrEqual(maxAbsDifference(single, fc.forward([one], mode: .eval, configuration: dense).array), 1e-6)
        let reference = fc.forward([many], mode: .eval, configuration: dense).array
        let got = fc.forward([many], mode: .eval, configuration: .standard).array
        XCTAssertEqual(fc.lastEvalKernel, .csrPanels)
        XCTAssertLessThanOrEqual(maxAbsDifference(reference, got), 1e-5)
    }
}

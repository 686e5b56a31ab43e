import XCTest
@testable import Engine

/// A Linear or Add layer run with its ReLU (InferenceFusion's linear -> ReLU and add -> ReLU
/// chains) must give exactly what the layer and then the ReLU layer give: same bits, NaN passed
/// through and -0 made +0 as ReLU does, on every Linear kernel and thread count. (A Linear's
/// sums never come out -0 here, as bias + 0 is +0; the Add test covers -0.)
final class FusedReLUTests: XCTestCase {
    func testLinearWithReLUMatchesLinearThenReLUOnEveryKernel() {
        var rng = RandomStream(seed: 21)
        for density in [0.1, 0.6] {
            let layer = Linear(37, 23)
            layer.initialize(&rng)
            let mask = Tensor(shape: layer.weight.value.shape)
            for i in 0..<mask.count { mask[i] = Double(rng.uniform()) < density ? 1 : 0 }
            for j in 0..<37 { mask[3 * 37 + j] = 0; mask[4 * 37 + j] = 0 }  // rows 3 and 4: bias alone
            layer.weight.mask = mask
            layer.weight.applyMask()
            let bias = layer.bias!.value
            bias[3] = -1  // an output the ReLU zeroes whatever the kernel's sum order
            bias[4] = .nan  // NaN passes through ReLU
            for kernels in [LinearKernels.dense, .csrRows, .csrPanels] {
                for threads in [1, 2] {
                    let configuration = EngineConfiguration(
                        threads: threads, sparseInference: SparseInferencePolicy(densityThreshold: 1.01, linearKernels: kernels))
                    for batch in [1, 5, 17, 33] {
                        let x = GradCheck.randomTensor([batch, 37], &rng)
                        let plain = ReLU().forward([layer.forwardEval(x, relu: false, configuration: configuration).copy()], mode: .eval).array
                        let fused = layer.forwardEval(x, relu: true, configuration: configuration).array
                        XCTAssertEqual(fused.map(\.bitPattern), plain.map(\.bitPattern),
                                       "density \(density), kernels \(kernels.rawValue), \(threads) threads, batch \(batch)")
                        XCTAssertEqual(fused[3].bitPattern, Float(0).bitPattern)
                        XCTAssertTrue(fused[4].isNaN)
                    }
                }
            }
        }
    }

    func testAddWithReLUMatchesAddThenReLU() {
        var rng = RandomStream(seed: 22)
        // Sizes below and above the parallel loop's 65,536-entry chunks.
        for count in [7, 65_536 * 2 + 3] {
            for arity in 1...3 {
                let inputs = (0..<arity).map { _ in GradCheck.randomTensor([count], &rng) }
                inputs[0][0] = -0.0
                inputs[0][1] = .nan
                if arity > 1 { inputs[1][0] = -0.0; inputs[1][2] = -1 }
                let add = Add()
                let plain = ReLU().forward([add.forward(inputs, mode: .eval).copy()], mode: .eval).array
                let fused = add.forward(inputs, relu: true).array
                XCTAssertEqual(fused.map(\.bitPattern), plain.map(\.bitPattern), "\(arity) inputs of \(count)")
                XCTAssertEqual(fused[0].bitPattern, Float(0).bitPattern)
                XCTAssertTrue(fused[1].isNaN)
                // Without ReLU the sum keeps its sign of zero (a single input is copied, -0 stays).
                let sum = add.forward(inputs, relu: false)
                if arity == 1 { XCTAssertEqual(sum[0].bitPattern, Float(-0.0).bitPattern) }
            }
        }
    }
}

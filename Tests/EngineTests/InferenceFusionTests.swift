import XCTest
@testable import Engine

/// Unobserved eval-mode forwards fold conv -> batch norm -> ReLU into the convolution's output
/// pass; observed ones run layer by layer. Both must give the same logits (to rounding: the
/// fused multiply-add rounds once), on networks with batch norm, without it, and with residual
/// adds (where a batch norm feeding an add must not be fused with anything after it).
final class InferenceFusionTests: XCTestCase {
    final class Watcher: ModelObserver {}

    /// LeNet-300 with 90% of its weights masked runs its Linear -> ReLU chains on the sparse
    /// kernels (rows at batch 1, panels at 64): fused and layer by layer run the same kernels, so
    /// the logits must agree bit for bit.
    func testFusedSparseLinearChainsMatchLayerByLayer() throws {
        let model = try Zoo.build("lenet300", ZooOptions(inputShape: [1, 28, 28], classes: 10, seed: 5))
        var rng = RandomStream(seed: 6)
        for node in model.nodes {
            guard let linear = node.layer as? Linear else { continue }
            let mask = Tensor(shape: linear.weight.value.shape)
            for i in 0..<mask.count { mask[i] = rng.uniform() < 0.1 ? 1 : 0 }
            linear.weight.mask = mask
            linear.weight.applyMask()
        }
        model.configuration.sparseInference = .always
        XCTAssertEqual(InferenceFusion.chains(model).values.filter { $0.kind == "linear" }.count, 2)
        for batch in [1, 64] {
            let x = GradCheck.randomTensor([batch, 1, 28, 28], &rng)
            let fused = model.forward(x, mode: .eval).array
            let kernels = model.nodes.compactMap { ($0.layer as? Linear)?.lastEvalKernel }
            XCTAssertFalse(kernels.contains(.dense), "batch \(batch) ran \(kernels)")
            let watcher = Watcher()
            model.observers.append(watcher)
            let plain = model.forward(x, mode: .eval).array
            model.observers.removeAll()
            XCTAssertEqual(fused.map(\.bitPattern), plain.map(\.bitPattern), "batch \(batch)")
        }
    }

    func testFusedEvalMatchesLayerByLayer() throws {
        let cases: [(String, [Int], Double, Set<String>)] = [
            ("vgg-small", [3, 32, 32], 0.25, ["conv"]), ("resnet20", [3, 16, 16], 0.5, ["conv"]),
            ("lenet5", [1, 28, 28], 1, ["conv", "linear"]),
        ]
        for (name, shape, width, heads) in cases {
            var o = ZooOptions(inputShape: shape, classes: 10, seed: 3)
            o.width = width
            let model = try Zoo.build(name, o)
            var rng = RandomStream(seed: 4)
            BatchNormFixtures.randomize(model, &rng)
            let x = GradCheck.randomTensor([5] + shape, &rng)
            XCTAssertTrue(heads.isSubset(of: Set(InferenceFusion.chains(model).values.map(\.kind))), "\(name) has \(heads.sorted()) chains to fuse")
            let fused = model.forward(x, mode: .eval).array
            let watcher = Watcher()
            model.observers.append(watcher)
            let plain = model.forward(x, mode: .eval).array
            model.observers.removeAll()
            XCTAssertEqual(fused.count, plain.count)
            // The bound is relative to the logits' scale, not to each logit: through resnet20's
            // nineteen convolutions with these batch-norm statistics the logits reach the
            // thousands, and a logit near zero in the same batch carries the rounding of that
            // scale. Which BLAS kernel runs (AVX2 or AVX-512) changes the rounding, so the bound
            // allows a few hundred ulps of the scale; a wrong fusion is off by the scale itself.
            let scale = max(plain.map { abs($0) }.max() ?? 0, .leastNormalMagnitude)
            var worst: Float = 0
            for (a, b) in zip(fused, plain) { worst = max(worst, abs(a - b) / scale) }
            XCTAssertLessThan(worst, 1e-5, "\(name): fused and layer-by-layer logits, relative to their scale \(scale)")
            XCTAssertEqual(model.forward(x, mode: .eval).array, fused, "\(name): fused forwards are deterministic")
        }
    }

    /// conv -> add -> ReLU, the residual join in the convolution's output pass: on Winograd's
    /// (9x9 maps, batch 1 split across threads into bands of rows and batch 3 by samples) and
    /// after the other paths
    /// (7x7 maps on the packed product, a 1x1 convolution). Without batch norm the fused and the
    /// separate layers round alike, so the outputs must agree bit for bit.
    func testResidualJoinFusedIntoConvolutionMatchesLayerByLayer() {
        for (side, kernel) in [(9, 3), (7, 3), (9, 1)] {
            let model = Model(inputShape: [10, side, side], classes: 10 * side * side)
            var rng = RandomStream(seed: 8)
            let conv1 = Conv2d(10, 10, kernel: kernel, padding: kernel / 2)
            let conv2 = Conv2d(10, 10, kernel: kernel, padding: kernel / 2)
            conv1.initialize(&rng)
            conv2.initialize(&rng)
            model.add("conv1", conv1)
            model.add("relu1", ReLU())
            model.add("conv2", conv2)
            model.add("add", Add(), inputs: [3, 0])
            model.add("relu2", ReLU())
            model.add("flat", Flatten())
            let chains = InferenceFusion.chains(model)
            XCTAssertEqual(chains[3]?.residual, 0, "\(side)x\(side), \(kernel)x\(kernel): conv2's chain adds the input")
            XCTAssertEqual(chains[3]?.covered, [4, 5])
            for batch in [1, 3] {
                let x = GradCheck.randomTensor([batch, 10, side, side], &rng)
                let fused = model.forward(x, mode: .eval).array
                model.observers.append(Watcher())
                let plain = model.forward(x, mode: .eval).array
                model.observers.removeAll()
                XCTAssertEqual(fused.map(\.bitPattern), plain.map(\.bitPattern), "\(side)x\(side), \(kernel)x\(kernel), batch \(batch)")
                XCTAssertTrue(plain.contains { $0 == 0 } && plain.contains { $0 > 0 }, "the ReLU clamps some outputs")
            }
        }
    }

    /// The add's other input must already exist when the convolution runs.
    func testResidualFromALaterNodeIsNotFused() {
        let model = Model(inputShape: [2, 8, 8], classes: 128)
        model.add("conv", Conv2d(2, 2, kernel: 3, padding: 1))
        model.add("side", Conv2d(2, 2, kernel: 1), inputs: [0])
        model.add("add", Add(), inputs: [1, 2])
        XCTAssertNil(InferenceFusion.chains(model)[1])
    }

    /// The chains (batch norms folded into their convolutions) are made once per evaluation
    /// pass: a pass must see the statistics as they are when it starts, and a training forward
    /// inside a pass (which moves them) must not leave the next eval forward on the old ones.
    func testEachEvaluationPassFoldsTheBatchNormsAsTheyAreThen() throws {
        var o = ZooOptions(inputShape: [3, 8, 8], classes: 4, seed: 3)
        o.width = 0.5
        let model = try Zoo.build("resnet20", o)
        var rng = RandomStream(seed: 8)
        BatchNormFixtures.randomize(model, &rng)
        let x = GradCheck.randomTensor([2, 3, 8, 8], &rng)
        let before = SparseInference.withWeightsFixed { model.forward(x, mode: .eval).array }
        BatchNormFixtures.randomize(model, &rng)
        let fresh = model.forward(x, mode: .eval).array
        XCTAssertNotEqual(before, fresh, "new statistics change the logits")
        let nextPass = SparseInference.withWeightsFixed { model.forward(x, mode: .eval).array }
        XCTAssertEqual(nextPass.map(\.bitPattern), fresh.map(\.bitPattern), "the next pass folds the new statistics")
        let (first, afterTraining) = SparseInference.withWeightsFixed {
            let first = model.forward(x, mode: .eval).array
            _ = model.forward(x, mode: .train)
            return (first, model.forward(x, mode: .eval).array)
        }
        XCTAssertEqual(first.map(\.bitPattern), fresh.map(\.bitPattern))
        let outside = model.forward(x, mode: .eval).array
        XCTAssertNotEqual(outside, fresh, "the training forward moved the running statistics")
        XCTAssertEqual(afterTraining.map(\.bitPattern), outside.map(\.bitPattern), "and the eval forward after it folds them")
    }
}

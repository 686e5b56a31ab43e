import XCTest
@testable import Engine

/// Unobserved training forwards run batch norm -> ReLU and add -> ReLU as one layer
/// (TrainingFusion); observed ones run them separately. Both must give the same outputs and
/// parameter gradients bit for bit: the fused norm's backward recomputes from its input which
/// outputs the ReLU passed, the fused add masks the gradient by its output.
final class TrainingFusionTests: XCTestCase {
    final class Watcher: ModelObserver {}

    /// Outputs and trainable-parameter gradients of one training step on `x` with gradient `dy`.
    private func step(_ model: Model, _ x: Tensor, _ dy: Tensor) -> (output: [Float], grads: [[Float]]) {
        model.zeroGrad()
        let y = model.forward(x, mode: .train).array
        model.backward(dy)
        return (y, model.trainableParameters.map { $0.grad.array })
    }

    private func assertFusedMatchesSeparate(_ model: Model, batch: Int, fused expected: Int, joins: Int = 0,
                                            file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(TrainingFusion.reluAfter(model).count, expected, "fused pairs", file: file, line: line)
        XCTAssertEqual(TrainingFusion.normBeforeAdd(model).count, joins, "norms writing their add", file: file, line: line)
        var rng = RandomStream(seed: 12)
        for node in model.nodes {
            guard let bn = node.layer as? BatchNorm else { continue }
            for c in 0..<bn.channels {
                bn.weight.value.data[c] = rng.uniform() - 0.3
                bn.bias.value.data[c] = rng.uniform() - 0.5
            }
        }
        let x = GradCheck.randomTensor([batch] + model.inputShape, &rng)
        let dy = GradCheck.randomTensor([batch, model.classes], &rng)
        let fused = step(model, x, dy)
        model.observers.append(Watcher())
        let separate = step(model, x, dy)
        model.observers.removeAll()
        XCTAssertEqual(fused.output.map(\.bitPattern), separate.output.map(\.bitPattern), "outputs", file: file, line: line)
        for (i, p) in model.trainableParameters.enumerated() {
            XCTAssertEqual(fused.grads[i].map(\.bitPattern), separate.grads[i].map(\.bitPattern), p.name,
                           file: file, line: line)
        }
    }

    /// ResNet-20 on odd 9x11 maps (planes not a multiple of the kernels' 16 lanes): the stem's and
    /// every block's first norm feed a ReLU alone, and so does every block's residual add; every
    /// block's second norm feeds the add alone and writes the add's output; and each block's
    /// first conv adds its input gradient to the shortcut's as it writes it (the 9x11 stage, on
    /// Winograd) or hands it to the graph to add (the smaller stages, on GEMMs).
    func testResidualNetworkFusedMatchesSeparate() throws {
        var o = ZooOptions(inputShape: [3, 9, 11], classes: 10, seed: 3)
        o.width = 0.5
        let model = try Zoo.build("resnet20", o)
        assertFusedMatchesSeparate(model, batch: 3, fused: 19, joins: 9)
    }

    /// A join of two norms (the second input writes the join), with no ReLU after it, and a norm
    /// whose add has a third input, which stays separate.
    func testNormJoinWithoutReLU() {
        let model = Model(inputShape: [6], classes: 6)
        model.add("bn1", BatchNorm(6))
        model.add("bn2", BatchNorm(6), inputs: [0])
        model.add("add", Add(), inputs: [1, 2])
        model.add("bn3", BatchNorm(6))
        model.add("add3", Add(), inputs: [4, 3, 0])
        XCTAssertEqual(TrainingFusion.normBeforeAdd(model).map { [$0.key, $0.value.norm, $0.value.residual] }, [[3, 2, 1]])
        assertFusedMatchesSeparate(model, batch: 5, fused: 0, joins: 1)
    }

    /// Batch norm over [B, C] (a Linear's features): planes of one value.
    func testDenseNetworkFusedMatchesSeparate() {
        let model = Model(inputShape: [7], classes: 3)
        let fc1 = Linear(7, 5), fc2 = Linear(5, 3)
        var rng = RandomStream(seed: 2)
        fc1.initialize(&rng)
        fc2.initialize(&rng)
        model.add("fc1", fc1)
        model.add("bn1", BatchNorm(5))
        model.add("relu1", ReLU())
        model.add("fc2", fc2)
        assertFusedMatchesSeparate(model, batch: 6, fused: 1)
    }

    /// A norm whose output is also read elsewhere keeps its ReLU separate.
    func testNormWithTwoConsumersIsNotFused() {
        let model = Model(inputShape: [4], classes: 4)
        model.add("bn", BatchNorm(4))
        model.add("relu", ReLU())
        model.add("add", Add(), inputs: [1, 2])
        XCTAssertTrue(TrainingFusion.reluAfter(model).isEmpty)
    }
}

import XCTest
@testable import Engine

/// Winograd F(4x4, 3x3) rounds more than F(2x2, 3x3) (its transforms' coefficients reach 8 and
/// 1/24), so whole networks are checked too: eval logits of resnet20 and vgg-small (CIFAR-sized
/// inputs, batch-norm statistics far from their identity start) with F(4x4, 3x3) against the
/// direct convolution, relative to the logits' scale, and the same top-1 class for every sample.
final class Winograd4x4AccuracyTests: XCTestCase {
    func testNetworkLogitsMatchTheDirectConvolution() throws {
        for name in ["resnet20", "vgg-small"] {
            let model = try Zoo.build(name, ZooOptions(inputShape: [3, 32, 32], classes: 10, seed: 5))
            var rng = RandomStream(seed: 6)
            BatchNormFixtures.randomize(model, &rng)
            let x = GradCheck.randomTensor([8, 3, 32, 32], &rng)
            model.configuration = EngineConfiguration(threads: 2, winograd: false)
            let direct = model.forward(x, mode: .eval).array
            model.configuration = EngineConfiguration(threads: 2)
            let large = model.forward(x, mode: .eval).array
            model.configuration = EngineConfiguration(threads: 2, winograd4x4: false)
            let small = model.forward(x, mode: .eval).array
            let scale = max(direct.map { abs($0) }.max() ?? 0, .leastNormalMagnitude)
            func worst(_ a: [Float]) -> Float { zip(a, direct).map { abs($0 - $1) / scale }.max() ?? 0 }
            XCTAssertNotEqual(large, small, "\(name) runs F(4x4, 3x3) in eval")
            // Both Winograd forms stay within about 1e-6 of the scale here; a wrong transform is off
            // by the scale itself.
            XCTAssertLessThan(worst(large), 1e-5, "\(name): F(4x4, 3x3) logits against the direct convolution's")
            for s in 0..<8 {
                let row = { (v: [Float]) in v[(s * 10)..<(s * 10 + 10)].indices.max { v[$0] < v[$1] } }
                XCTAssertEqual(row(large), row(direct), "\(name) sample \(s): the same class")
            }
        }
    }

    /// The same for training: the parameter gradients of one training step of resnet20 (F(4x4, 3x3)
    /// forwards, input and weight gradients where they do less work) against those of the direct
    /// convolution, each relative to its own largest value.
    func testNetworkGradientsMatchTheDirectConvolution() throws {
        let model = try Zoo.build("resnet20", ZooOptions(inputShape: [3, 32, 32], classes: 10, seed: 5))
        var rng = RandomStream(seed: 7)
        BatchNormFixtures.randomize(model, &rng)
        let x = GradCheck.randomTensor([8, 3, 32, 32], &rng), dy = GradCheck.randomTensor([8, 10], &rng)
        func gradients(_ configuration: EngineConfiguration) -> [[Float]] {
            model.configuration = configuration
            model.zeroGrad()
            _ = model.forward(x, mode: .train)
            model.backward(dy)
            return model.trainableParameters.map { $0.grad.array }
        }
        let direct = gradients(EngineConfiguration(threads: 2, winograd: false))
        let large = gradients(EngineConfiguration(threads: 2))
        let small = gradients(EngineConfiguration(threads: 2, winograd4x4: false))
        XCTAssertNotEqual(large, small, "training runs F(4x4, 3x3)")
        for (i, p) in model.trainableParameters.enumerated() {
            let scale = max(direct[i].map { abs($0) }.max() ?? 0, .leastNormalMagnitude)
            let worst = zip(large[i], direct[i]).map { abs($0 - $1) / scale }.max() ?? 0
            XCTAssertLessThan(worst, 1e-4, "\(p.name): F(4x4, 3x3) gradient against the direct convolution's")
        }
    }
}

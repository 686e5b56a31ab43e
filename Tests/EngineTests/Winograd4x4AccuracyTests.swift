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
}

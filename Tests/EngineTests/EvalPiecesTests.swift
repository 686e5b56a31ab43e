import XCTest
@testable import Engine

/// Eval forwards of large batches run in cache-sized pieces (Model/EvalPieces.swift) and give
/// what the whole batch gives.
final class EvalPiecesTests: XCTestCase {
    private func vggSmall(width: Double = 1) throws -> Model {
        try Zoo.build("vgg-small", ZooOptions(inputShape: [3, 32, 32], classes: 10, width: width, seed: 3))
    }

    func testPieceSizeFollowsTheLargestActivation() throws {
        // vgg-small's first layers hold 32 x 32 x 32 values (128 KB) per sample: pieces of 32.
        let vgg = try vggSmall()
        XCTAssertEqual(try vgg.largestActivation(), 32 * 32 * 32)
        XCTAssertEqual(vgg.evalPiece(batch: 256), 32)
        XCTAssertEqual(vgg.evalPiece(batch: 100), 34, "three equal pieces, none below the minimum")
        XCTAssertNil(vgg.evalPiece(batch: 63), "too few samples for two pieces")
        XCTAssertNil(vgg.evalPiece(batch: 1))
        // Half as wide: 64 KB per sample; 256 of them (16 MB) still split, into pieces of 32.
        XCTAssertEqual(try vggSmall(width: 0.5).evalPiece(batch: 256), 32)
        // LeNet-5 and LeNet-300 at 256 stay within a few megabytes: run whole.
        let lenet5 = try Zoo.build("lenet5", ZooOptions(inputShape: [1, 28, 28], classes: 10, seed: 1))
        XCTAssertNil(lenet5.evalPiece(batch: 256))
        let lenet300 = try Zoo.build("lenet300", ZooOptions(inputShape: [1, 28, 28], classes: 10, seed: 1))
        XCTAssertNil(lenet300.evalPiece(batch: 256))
        XCTAssertEqual(lenet300.evalPiece(batch: 4096), 683, "12.8 MB of inputs: six pieces")
    }

    func testPiecesGiveTheWholeBatchsOutputs() throws {
        let model = try vggSmall(width: 0.5)
        let batch = 150
        var rng = RandomStream(seed: 11)
        let x = Tensor(shape: [batch, 3, 32, 32], values: (0..<batch * 3 * 32 * 32).map { _ in rng.uniform(-1, 1) })
        XCTAssertEqual(model.evalPiece(batch: batch), 38)
        let pieced = model.forward(x, mode: .eval).copy()
        XCTAssertEqual(pieced.shape, [batch, 10])
        let whole = model.forwardWhole(x, mode: .eval)
        XCTAssertEqual(whole.shape, pieced.shape)
        var worst: Float = 0, scale: Float = 0
        for i in 0..<whole.count {
            worst = max(worst, abs(whole[i] - pieced[i]))
            scale = max(scale, abs(whole[i]))
        }
        XCTAssertGreaterThan(scale, 0)
        XCTAssertLessThanOrEqual(worst, 1e-5 * scale, "pieces of 38, 38, 38 and 36 samples against the batch of 150")
    }
}

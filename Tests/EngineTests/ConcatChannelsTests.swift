import XCTest
@testable import Engine

final class ConcatChannelsTests: XCTestCase {
    func testJoinsChannelsPerSampleAndSplitsTheGradient() throws {
        let a = Tensor(shape: [2, 1, 2], values: [1, 2, 3, 4])
        let b = Tensor(shape: [2, 2, 2], values: [5, 6, 7, 8, 9, 10, 11, 12])
        let cat = ConcatChannels()
        XCTAssertEqual(try cat.outputShape([[1, 2], [2, 2]]), [3, 2])
        XCTAssertThrowsError(try cat.outputShape([[1, 2], [2, 3]]))
        let y = cat.forward([a, b], mode: .train)
        XCTAssertEqual(y.shape, [2, 3, 2])
        XCTAssertEqual(y.array, [1, 2, 5, 6, 7, 8, 3, 4, 9, 10, 11, 12])
        var rng = RandomStream(seed: 4)
        GradCheck.check(cat, inputs: [GradCheck.randomTensor([3, 2, 2, 2], &rng), GradCheck.randomTensor([3, 1, 2, 2], &rng)])
    }
}

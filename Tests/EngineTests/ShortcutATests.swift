import XCTest
@testable import Engine

final class ShortcutATests: XCTestCase {
    func testShortcutA() throws {
        var rng = RandomStream(seed: 36)
        let s = ShortcutA(stride: 2, padBefore: 1, padAfter: 2)
        XCTAssertEqual(try s.outputShape([[2, 5, 4]]), [5, 3, 2])
        let x = Tensor(shape: [1, 2, 3, 3], values: (0..<18).map(Float.init))
        let y = s.forward([x], mode: .train)
        XCTAssertEqual(y.shape, [1, 5, 2, 2])
        XCTAssertEqual(y.array, [0, 0, 0, 0,  0, 2, 6, 8,  9, 11, 15, 17,  0, 0, 0, 0,  0, 0, 0, 0])
        GradCheck.check(s, inputs: [GradCheck.randomTensor([2, 2, 5, 4], &rng)])
        GradCheck.check(ShortcutA(stride: 1, padBefore: 0, padAfter: 1), inputs: [GradCheck.randomTensor([1, 2, 3, 3], &rng)])
    }
}

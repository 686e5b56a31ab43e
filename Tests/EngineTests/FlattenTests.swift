import XCTest
@testable import Engine

final class FlattenTests: XCTestCase {
    func testFlattenIsAViewBothWays() {
        var rng = RandomStream(seed: 33)
        let x = GradCheck.randomTensor([2, 3, 2, 2], &rng)
        let f = Flatten()
        let y = f.forward([x], mode: .train)
        XCTAssertEqual(y.shape, [2, 12])
        XCTAssertEqual(y.data, x.data)
        let dy = GradCheck.randomTensor([2, 12], &rng)
        let dx = f.backward(dy, needInputGrad: [true])[0]
        XCTAssertEqual(dx?.shape, [2, 3, 2, 2])
        XCTAssertEqual(dx?.data, dy.data)
        GradCheck.check(f, inputs: [x])
    }
}

import XCTest
@testable import Engine

final class AddTests: XCTestCase {
    func testAdd() {
        var rng = RandomStream(seed: 35)
        let a = GradCheck.randomTensor([2, 3, 2, 2], &rng), b = GradCheck.randomTensor([2, 3, 2, 2], &rng)
        let c = GradCheck.randomTensor([2, 3, 2, 2], &rng)
        let y = Add().forward([a, b, c], mode: .train)
        for i in 0..<y.count { XCTAssertEqual(y[i], a[i] + b[i] + c[i], accuracy: 1e-6) }
        GradCheck.check(Add(), inputs: [a, b])
        XCTAssertNil(Add().backward(a, needInputGrad: [true, false])[1])
        XCTAssertThrowsError(try Add().outputShape([[3, 2, 2], [3, 2, 1]]))
    }
}

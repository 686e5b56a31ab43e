import XCTest
@testable import Engine

final class DropoutTests: XCTestCase {
    func testDropout() {
        var rng = RandomStream(seed: 34)
        let d = Dropout(p: 0.5, seed: 9)
        let x = Tensor(shape: [100, 100], repeating: 1)
        let y = d.forward([x], mode: .train)
        let kept = y.array.filter { $0 != 0 }
        XCTAssertTrue(kept.allSatisfy { $0 == 2 })
        XCTAssertEqual(Double(kept.count) / 10_000, 0.5, accuracy: 0.03)
        let dx = d.backward(Tensor(shape: [100, 100], repeating: 3), needInputGrad: [true])[0]
        for i in 0..<x.count { XCTAssertEqual(dx?[i], y[i] * 3) }
        XCTAssertEqual(d.forward([x], mode: .eval).array, x.array)
        // Same seed, same masks.
        let again = Dropout(p: 0.5, seed: 9).forward([x], mode: .train)
        XCTAssertEqual(again.array, Dropout(p: 0.5, seed: 9).forward([x], mode: .train).array)
        GradCheck.check(Dropout(p: 0.3, seed: 1), inputs: [GradCheck.randomTensor([3, 4], &rng)], mode: .eval)
    }
}

@testable import Engine
import XCTest

final class WeightChangeDetectorTests: XCTestCase {
    /// Flipping the sign bit of two words of one fingerprint lane, an even number of places
    /// apart, adds 2^32 to both running sums of a plain modular checksum: a change it cannot see.
    func testSignFlipsThatCancelInModularSumsAreSeen() {
        let t = Tensor(shape: [256], values: (0..<256).map { Float($0) * 0.01 + 0.5 })
        let before = WeightFingerprint(t)
        t.data[0] = -t.data[0]
        t.data[32] = -t.data[32]
        XCTAssertNotEqual(WeightFingerprint(t), before, "two negated weights")
        let whole = Tensor(shape: [64], values: (0..<64).map { Float($0) + 1 })
        let wholeBefore = WeightFingerprint(whole)
        for i in 0..<64 { whole.data[i] = -whole.data[i] }
        XCTAssertNotEqual(WeightFingerprint(whole), wholeBefore, "the whole weight negated")
    }

    func testDetectorSeesChangesOutsideAndOncePerEvaluationPass() {
        let t = Tensor(shape: [40], values: (0..<40).map { Float($0) })
        var d = WeightChangeDetector()
        XCTAssertTrue(d.changed(t), "the first look")
        XCTAssertFalse(d.changed(t))
        t.data[7] = 3
        XCTAssertTrue(d.changed(t))
        SparseInference.withWeightsFixed {
            XCTAssertFalse(d.changed(t), "unchanged at the pass's first look")
            t.data[8] = -1
            XCTAssertFalse(d.changed(t), "not looked at again within the pass")
        }
        XCTAssertTrue(d.changed(t), "seen after the pass")
        d.reset()
        XCTAssertTrue(d.changed(t), "a reset detector looks afresh")
    }
}

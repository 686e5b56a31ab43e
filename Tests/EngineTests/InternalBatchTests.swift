import XCTest
@testable import Engine

/// Internal batches (latency probe, evaluation and scoring left at their default) shrink to what
/// a slice of the memory budget holds, and no further.
final class InternalBatchTests: XCTestCase {
    func testBatchIsTheLargestThatFitsTheBudget() {
        XCTAssertEqual(InternalBatch.size(preferred: 256, bytesPerSample: 1_000, budget: 1e9), 256, "small activations keep the preferred batch")
        XCTAssertEqual(InternalBatch.size(preferred: 256, bytesPerSample: 1e6, budget: 64e6), 64)
        XCTAssertEqual(InternalBatch.size(preferred: 256, bytesPerSample: 1e6, budget: 64.9e6), 64, "rounded down")
        XCTAssertEqual(InternalBatch.size(preferred: 256, bytesPerSample: 2e9, budget: 1e9), 1, "a sample beyond the budget still runs alone")
        XCTAssertEqual(InternalBatch.size(preferred: 8, bytesPerSample: 0, budget: 1e9), 8)
        XCTAssertEqual(InternalBatch.size(preferred: 256, bytesPerSample: 1e-300, budget: 1e9), 256, "no overflow for tiny samples")
    }

    func testBudgetIsAnEighthOfTheMemoryBudgetAtMostOneGibibyte() {
        XCTAssertEqual(InternalBatch.budgetBytes(memoryBudget: 4e9), 0.5e9)
        XCTAssertEqual(InternalBatch.budgetBytes(memoryBudget: 64e9), Double(1 << 30))
    }

    func testActivationBytesCountEveryNodesOutput() throws {
        let m = Model(inputShape: [3, 8, 8], classes: 2)
        m.add("conv", Conv2d(3, 4, kernel: 3, padding: 1))
        m.add("flatten", Flatten())
        m.add("fc", Linear(256, 2))
        // input 192 + conv 256 + flatten 256 + fc 2 values, 4 bytes each.
        XCTAssertEqual(try InternalBatch.activationBytesPerSample(m), Double(192 + 256 + 256 + 2) * 4)
        XCTAssertEqual(try InternalBatch.activationBytesPerSample(m, factor: 3), Double(192 + 256 + 256 + 2) * 12)
    }

    /// A VGG at 224x224 holds tens of megabytes per sample: 256 of them do not fit 1 GiB.
    func testLargeInputModelGetsASmallerBatch() throws {
        let m = try Zoo.build("vgg11", ZooOptions(inputShape: [3, 224, 224], classes: 10, width: 0.25, seed: 0))
        let perSample = try InternalBatch.activationBytesPerSample(m)
        let batch = InternalBatch.size(for: m, preferred: 256, budget: Double(1 << 30))
        XCTAssertLessThan(batch, 256)
        XCTAssertLessThanOrEqual(Double(batch) * perSample, Double(1 << 30))
        XCTAssertGreaterThan(Double(batch + 1) * perSample, Double(1 << 30), "the largest batch that fits")
    }
}

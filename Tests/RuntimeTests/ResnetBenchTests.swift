import Engine
import Foundation
import XCTest
@testable import Runtime

/// The `resnet` group of `prn bench` (the PyTorch reference's resnet20 workloads) and the peak
/// resident memory its training line carries. Never asserted on time: only that the lines are
/// there with positive values.
final class ResnetBenchTests: XCTestCase {
    func testResnet20LinesCarryPeakMemory() throws {
        // One batch of 64: the same path as the 1280-sample epoch, in a fraction of the time.
        let lines = try EngineWorkloads.resnet20(samples: 64)
        XCTAssertEqual(lines.map(\.workload), ["resnet20-32x32-train-epoch", "resnet20-32x32-infer"])
        XCTAssertTrue(lines.allSatisfy { ($0.samplesPerSecond ?? 0) > 0 }, "\(lines.map(\.json))")
        let peak = try XCTUnwrap(lines[0].extra["peak_rss_mb"], lines[0].json)
        XCTAssertGreaterThan(peak, 1)
        XCTAssertTrue(lines[0].json.contains("\"peak_rss_mb\": "), lines[0].json)
    }

    /// After a reset the peak follows what the process touches next, so a workload's line is not
    /// the high-water mark of whatever ran before it in the same process.
    func testPeakMemoryFollowsTheWorkload() throws {
        #if os(Linux)
        do {
            let big = Tensor(shape: [64 << 20 / 4], zeroed: false)  // 64 MB, written so it is resident
            for i in stride(from: 0, to: big.count, by: 1024) { big[i] = 1 }
            XCTAssertGreaterThan(PeakMemory.megabytes(), 60)
        }
        guard PeakMemory.reset() else { throw XCTSkip("the high-water mark cannot be reset here") }
        let afterReset = PeakMemory.megabytes()
        // Fresh pages straight from the kernel: malloc may hand back freed heap memory that is
        // still resident (earlier tests in this process leave plenty), which would not move the mark.
        let bytes = 48 << 20
        guard let pages = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              pages != MAP_FAILED else { return XCTFail("mmap of \(bytes) bytes failed") }
        defer { munmap(pages, bytes) }
        let bytesView = pages.bindMemory(to: UInt8.self, capacity: bytes)
        for i in stride(from: 0, to: bytes, by: 4096) { bytesView[i] = 1 }
        let peak = PeakMemory.megabytes()
        XCTAssertGreaterThanOrEqual(peak, afterReset + 45, "peak \(peak) MB after touching 48 MB from \(afterReset) MB")
        #else
        XCTAssertGreaterThan(PeakMemory.megabytes(), 1)
        #endif
    }
}

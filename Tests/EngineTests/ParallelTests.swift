import Dispatch
@testable import Engine
import XCTest

/// The loop-thread pool behind Parallel.chunks: every index exactly once, in the same chunks
/// whatever the thread count, also when calls nest or come from several threads at once.
final class ParallelTests: XCTestCase {
    /// Counts, per index, how often `chunks` visited it (atomically enough: chunks are disjoint).
    private func visits(_ count: Int, minPerThread: Int = 1, threads: Int) -> [Int] {
        let seen = UnsafeMutableBufferPointer<Int>.allocate(capacity: max(count, 1))
        defer { seen.deallocate() }
        seen.initialize(repeating: 0)
        Parallel.chunks(count, minPerThread: minPerThread, threads: threads) { r in for i in r { seen[i] += 1 } }
        return Array(seen.prefix(count))
    }

    func testEveryIndexVisitedOnceForManyShapesAndThreadCounts() {
        for threads in [1, 2, 3, 8, 33, 300] {
            for count in [0, 1, 2, 7, 64, 1000] {
                for minimum in [1, 5, 100] {
                    XCTAssertEqual(visits(count, minPerThread: minimum, threads: threads), Array(repeating: 1, count: count),
                                   "threads \(threads), count \(count), min \(minimum)")
                }
            }
        }
    }

    func testChunksAreTheSameContiguousRangesEveryTime() {
        var first: [Range<Int>] = []
        for round in 0..<50 {
            let ranges = UnsafeMutableBufferPointer<Range<Int>>.allocate(capacity: 4)
            ranges.initialize(repeating: 0..<0)
            // Chunk w starts at 10 * w / 4 (0, 2, 5, 7); this recovers w from the start.
            Parallel.chunks(10, threads: 4) { r in ranges[(r.lowerBound * 4 + 9) / 10] = r }
            let got = Array(ranges).sorted { $0.lowerBound < $1.lowerBound }
            ranges.deallocate()
            if round == 0 { first = got } else { XCTAssertEqual(got, first) }
        }
        XCTAssertEqual(first, [0..<2, 2..<5, 5..<7, 7..<10])
    }

    func testNestedCallsRunInline() {
        let total = UnsafeMutableBufferPointer<Int>.allocate(capacity: 8 * 100)
        defer { total.deallocate() }
        total.initialize(repeating: 0)
        Parallel.chunks(8, threads: 2) { outer in
            for o in outer {
                Parallel.chunks(100, threads: 2) { inner in for i in inner { total[o * 100 + i] += 1 } }
            }
        }
        XCTAssertEqual(Array(total), Array(repeating: 1, count: 800))
    }

    /// Two threads submitting at once: one gets the pool, the other runs its shares inline.
    func testConcurrentCallersBothComplete() {
        let sums = UnsafeMutableBufferPointer<Int>.allocate(capacity: 2)
        defer { sums.deallocate() }
        sums.initialize(repeating: 0)
        let box = UncheckedBox(sums)
        DispatchQueue.concurrentPerform(iterations: 2) { caller in
            for _ in 0..<200 {
                let parts = UnsafeMutableBufferPointer<Int>.allocate(capacity: 2)
                parts.initialize(repeating: 0)
                Parallel.chunks(1000, threads: 2) { r in parts[r.lowerBound == 0 ? 0 : 1] = r.reduce(0, +) }
                box.value[caller] += parts[0] + parts[1]
                parts.deallocate()
            }
        }
        XCTAssertEqual(Array(sums), [200 * 499_500, 200 * 499_500])
    }
}

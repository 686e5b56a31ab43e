import Foundation
import XCTest

/// Values built at run time without end (nesting, doubling) stop with an error naming the line
/// and the limit, instead of overflowing the stack or growing until the kernel kills prn.
final class ValueLimitTests: XCTestCase {
    /// `for i in REPEAT(n) { ... }` runs the body n times.
    private func repeated(_ n: Int) -> String { "[" + Array(repeating: "0", count: n).joined(separator: ", ") + "]" }

    /// A budget of 4 GB keeps the size limit at its fixed maximum on any machine.
    private func run(_ script: String, memoryGB: String = "4") throws -> PrnProcess.Outcome {
        let folder = try TemporaryFolder("values")
        try folder.write("main.prn", text: script)
        return try PrnProcess.run(["run", "main.prn"], in: folder.url, environment: ["PRN_MEMORY_GB": memoryGB],
                                  timeout: 120)
    }

    private func assertCleanError(_ outcome: PrnProcess.Outcome, status: Int32 = 70, mentions: [String],
                                  file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(outcome.timedOut, "timed out: " + outcome.summary, file: file, line: line)
        XCTAssertFalse(outcome.signalled, "crashed: " + outcome.summary, file: file, line: line)
        XCTAssertEqual(outcome.status, status, outcome.summary, file: file, line: line)
        for text in mentions {
            XCTAssertTrue(outcome.stderr.contains(text), "stderr does not mention '\(text)': " + outcome.summary,
                          file: file, line: line)
        }
    }

    func testListNestedAHundredThousandDeepIsRefusedAtItsLine() throws {
        let outcome = try run("""
            let n = [0]
            for i in \(repeated(17)) { let n = n + n }
            let x = []
            for i in n { let x = [x] }
            print x == x
            print x
            """)
        assertCleanError(outcome, mentions: ["main.prn:4:", "nested 257 deep, deeper than 256 levels"])
    }

    func testAValueAtTheDepthLimitPrintsComparesAndIsFreed() throws {
        let outcome = try run("""
            let x = []
            for i in \(repeated(255)) { let x = [x] }
            assert x == x "equal to itself"
            assert x != [[0]] "not equal to a different list"
            print x
            let x = 0
            print "done"
            """)
        XCTAssertFalse(outcome.signalled, outcome.summary)
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        XCTAssertTrue(outcome.stdout.hasPrefix(String(repeating: "[", count: 256) + "]"), String(outcome.stdout.prefix(300)))
        XCTAssertTrue(outcome.stdout.hasSuffix("done\n"))
    }

    func testStringDoubledWithoutEndStopsAtTheSizeLimit() throws {
        // 2^26 bytes: past the limit, yet small enough that an unprotected build finishes.
        let outcome = try run("""
            let s = "ab"
            for i in \(repeated(25)) {
              let s = s + s
            }
            print "survived"
            """)
        assertCleanError(outcome, mentions: ["main.prn:3:", "more than the limit of 16777216"])
        XCTAssertFalse(outcome.stdout.contains("survived"))
    }

    func testListDoubledWithoutEndStopsAtTheSizeLimit() throws {
        let outcome = try run("""
            let l = [1, 2]
            for i in \(repeated(24)) { let l = l + l }
            print "survived"
            """)
        assertCleanError(outcome, mentions: ["main.prn:2:", "more than the limit of 16777216"])
    }

    func testSharedHalvesCountTowardsTheSize() throws {
        // Each step doubles what printing or comparing would walk, though memory barely grows.
        let outcome = try run("""
            let x = [1]
            for i in \(repeated(40)) { let x = [x, x] }
            """)
        assertCleanError(outcome, mentions: ["main.prn:2:", "more than the limit of"])
    }

    func testTheSizeLimitShrinksWithASmallMemoryBudget() throws {
        // 0.25 GB / 64 bytes per element.
        let outcome = try run("""
            let l = [1, 2]
            for i in \(repeated(24)) { let l = l + l }
            """, memoryGB: "0.25")
        assertCleanError(outcome, mentions: ["main.prn:2:", "more than the limit of 3906250", "PRN_MEMORY_GB"])
    }
}

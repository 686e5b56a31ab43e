import Foundation
import XCTest

/// `prune ... min_keep=N` with N beyond every layer: the request is bounded by each layer's
/// size, answered at once, and the report says it could not be met.
final class PruneBoundsTests: XCTestCase {
    func run(_ script: String) throws -> PrnProcess.Outcome {
        let folder = try TemporaryFolder("prune-bounds")
        try DataFixtures.mnist(in: folder)
        try folder.write("main.prn", text: script)
        return try PrnProcess.run(["run", "main.prn"], in: folder.url, environment: ["PRN_DATA": folder.path("data").path], timeout: 30)
    }

    func testMinKeepBeyondEveryLayerKeepsThemWholeAndSaysSo() throws {
        let outcome = try run("""
            data mnist
            load lenet300
            score magnitude
            let r = (prune 0.5 min_keep=1000000000000 latency=false)
            assert r.sparsity == 0
            """)
        XCTAssertFalse(outcome.signalled, outcome.summary)
        XCTAssertFalse(outcome.timedOut, outcome.summary)
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        XCTAssertTrue(outcome.stdout.contains("short of the request"), "the report says the request was not met:\n\(outcome.stdout)")
        XCTAssertTrue(outcome.stdout.contains("kept whole"), outcome.stdout)
        XCTAssertTrue(outcome.stdout.contains("1.weight, 3.weight, 5.weight"), "the report names the layers held whole:\n\(outcome.stdout)")
    }

    func testStructuredLocalMinKeepBeyondSomeLayers() throws {
        // lenet300's hidden layers have 300 and 100 units: min_keep=200 holds the second whole
        // and limits the first to 100 removed units.
        let outcome = try run("""
            data mnist
            load lenet300
            score magnitude granularity=neurons
            let r = (prune 0.9 local min_keep=200 latency=false)
            assert r.sparsity > 0
            assert r.sparsity < 0.9
            """)
        XCTAssertFalse(outcome.signalled, outcome.summary)
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        XCTAssertTrue(outcome.stdout.contains("short of the request"), outcome.stdout)
        XCTAssertTrue(outcome.stdout.contains("kept whole"), outcome.stdout)
    }
}

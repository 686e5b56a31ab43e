import Foundation
import XCTest

/// Runs every case of MalformedInputCases through the real `prn run` and checks the ending:
/// the expected exit code, stderr naming the file/line/option, no signal, no hang.
final class MalformedInputTests: XCTestCase {
    func testTableHasEnoughCases() {
        XCTAssertGreaterThanOrEqual(MalformedInputCases.all.count, 30)
        XCTAssertEqual(Set(MalformedInputCases.all.map(\.name)).count, MalformedInputCases.all.count, "case names must be unique")
    }

    func testEveryMalformedInputEndsInAClearError() throws {
        _ = try PrnProcess.binary()
        var failures = [String]()
        for c in MalformedInputCases.all {
            let folder = try TemporaryFolder("case")
            try c.setup(folder)
            try folder.write("main.prn", c.script)
            var env = ["PRN_DATA": folder.path("data").path]
            env.merge(c.environment) { _, new in new }
            let outcome = try PrnProcess.run(["run", "main.prn"], in: folder.url, environment: env, timeout: 60)
            var problems = [String]()
            if outcome.timedOut { problems.append("did not finish within 60 s") }
            if outcome.signalled { problems.append("died of signal \(outcome.status)") }
            if !outcome.signalled && outcome.status != c.status { problems.append("exit \(outcome.status), expected \(c.status)") }
            for text in c.mentions where !outcome.stderr.contains(text) { problems.append("stderr does not mention '\(text)'") }
            for crash in ["Fatal error", "Stack dump", "Illegal instruction", "Segmentation fault"] where outcome.stderr.contains(crash) {
                problems.append("stderr shows a crash ('\(crash)')")
            }
            if !problems.isEmpty {
                failures.append("[\(c.name)] " + problems.joined(separator: "; ") + "\n  stderr: " + outcome.stderr.prefix(600))
            }
        }
        XCTAssert(failures.isEmpty, "\(failures.count) of \(MalformedInputCases.all.count) cases failed:\n" + failures.joined(separator: "\n"))
    }
}

import Foundation
import XCTest

/// At the prompt, an entry whose bracket never closes is discarded once it passes 1 MiB,
/// instead of growing with every line typed or pasted.
final class REPLInputLimitTests: XCTestCase {
    typealias P = PTYSession

    func testAnOpenEntryIsDiscardedPastTheLimit() throws {
        let folder = try P.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let line = String(repeating: "1, ", count: 300) + P.enter
        var steps: [Step] = [.expect("prn> "), .send("let x = [" + P.enter), .expect("...> ")]
        // Small writes with output drained between them, so neither side of the terminal fills.
        for _ in 0..<(InputLimitSize.bytes / 900 + 20) { steps += [.send(line), .pause(0.002)] }
        steps += [.expect("longer than 1 MiB", timeout: 120), .expect("prn> "),
                  .send("print 6 * 7" + P.enter), .expect("42"), .send(P.ctrlD), .waitForExit()]
        let report = try P.run(steps, folder: folder, history: folder.appendingPathComponent("history"))
        XCTAssertTrue(report.ok, "\(report.error ?? "")\n--- transcript (end) ---\n\(report.transcript.suffix(2000))")
        XCTAssertEqual(report.status, 0)
    }
}

/// The REPL's limit per entry (InputLimits.maxLineBytes; this target only links the binary).
enum InputLimitSize {
    static let bytes = 1 << 20
}

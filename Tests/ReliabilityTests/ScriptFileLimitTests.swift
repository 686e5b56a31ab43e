import Foundation
import XCTest

/// A script or an import is text a person wrote: prn reads no more of it than the bound on
/// piped statements, so a huge file or a device given as a script ends in an error at once.
final class ScriptFileLimitTests: XCTestCase {
    func testAScriptLongerThanTheLimitIsRefusedNamingIt() throws {
        let folder = try TemporaryFolder("long-script")
        let line = "print 1\n"
        try folder.write("huge.prn", text: String(repeating: line, count: (17 << 20) / line.utf8.count))
        let outcome = try PrnProcess.run(["run", "huge.prn"], in: folder.url, timeout: 60)
        XCTAssertEqual(outcome.status, 65, outcome.summary)
        XCTAssertTrue(outcome.stderr.contains("huge.prn: error: the script is longer than 16 MiB"), outcome.summary)
    }

    func testADeviceGivenAsAScriptIsNotReadWhole() throws {
        let folder = try TemporaryFolder("device-script")
        let outcome = try PrnProcess.run(["check", "/dev/zero"], in: folder.url, timeout: 60)
        XCTAssertFalse(outcome.timedOut, outcome.summary)
        XCTAssertEqual(outcome.status, 65, outcome.summary)
        XCTAssertTrue(outcome.stderr.contains("longer than 16 MiB"), outcome.summary)
    }

    func testAnImportLongerThanTheLimitIsRefused() throws {
        let folder = try TemporaryFolder("long-import")
        let line = "print 1\n"
        try folder.write("big.prn", text: String(repeating: line, count: (17 << 20) / line.utf8.count))
        try folder.write("main.prn", text: "import \"big.prn\"\n")
        let outcome = try PrnProcess.run(["check", "main.prn"], in: folder.url, timeout: 60)
        XCTAssertEqual(outcome.status, 65, outcome.summary)
        XCTAssertTrue(outcome.stderr.contains("longer than 16 MiB"), outcome.summary)
    }
}

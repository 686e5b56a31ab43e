import Foundation
import XCTest

/// The command line as users of other Unix tools expect it: `--version`, prn's own usage with a
/// did-you-mean for a mistyped subcommand, and sysexits-style exit codes for files that are missing
/// or cannot be read.
final class CommandLineTests: XCTestCase {
    func testVersionPrintsNameAndVersion() throws {
        let folder = try TemporaryFolder("version")
        let outcome = try PrnProcess.run(["--version"], in: folder.url, timeout: 30)
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        XCTAssertTrue(outcome.stdout.hasPrefix("prn "), outcome.stdout)
        let version = outcome.stdout.dropFirst(4).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertFalse(version.isEmpty, outcome.stdout)
        XCTAssertTrue(version.allSatisfy { $0.isNumber || $0 == "." || $0 == "-" || $0.isLetter }, outcome.stdout)
    }

    func testMistypedSubcommandGetsUsageAndSuggestion() throws {
        let folder = try TemporaryFolder("typo")
        let outcome = try PrnProcess.run(["rnu", "x.prn"], in: folder.url, timeout: 30)
        XCTAssertEqual(outcome.status, 64, outcome.summary)
        XCTAssertTrue(outcome.stderr.contains("unknown subcommand 'rnu'"), outcome.summary)
        XCTAssertTrue(outcome.stderr.contains("did you mean 'run'?"), outcome.summary)
        for name in ["run", "check", "report", "bench", "reference"] {
            XCTAssertTrue(outcome.stderr.contains(name), "usage lists \(name): \(outcome.summary)")
        }
    }

    func testUnknownWordWithoutNeighbourGetsUsageOnly() throws {
        let folder = try TemporaryFolder("unknown")
        let outcome = try PrnProcess.run(["frobnicate"], in: folder.url, timeout: 30)
        XCTAssertEqual(outcome.status, 64, outcome.summary)
        XCTAssertTrue(outcome.stderr.contains("unknown subcommand 'frobnicate'"), outcome.summary)
        XCTAssertFalse(outcome.stderr.contains("did you mean"), outcome.summary)
        XCTAssertTrue(outcome.stderr.contains("prn run"), outcome.summary)
    }

    func testScriptGivenWithoutRunIsPointedAtRun() throws {
        let folder = try TemporaryFolder("bare")
        try folder.write("recipe.prn", text: "print 1\n")
        let outcome = try PrnProcess.run(["recipe.prn"], in: folder.url, timeout: 30)
        XCTAssertEqual(outcome.status, 64, outcome.summary)
        XCTAssertTrue(outcome.stderr.contains("prn run recipe.prn"), outcome.summary)
    }

    func testMissingScriptIsNoInput() throws {
        let folder = try TemporaryFolder("missing")
        for command in ["run", "check"] {
            let outcome = try PrnProcess.run([command, "absent.prn"], in: folder.url, timeout: 30)
            XCTAssertEqual(outcome.status, 66, "\(command): \(outcome.summary)")
            XCTAssertTrue(outcome.stderr.contains("absent.prn"), outcome.summary)
        }
    }

    func testUnreadableScriptIsNoInput() throws {
        guard getuid() != 0 else { throw XCTSkip("root reads files whatever their permissions") }
        let folder = try TemporaryFolder("unreadable")
        try folder.write("locked.prn", text: "print 1\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: folder.path("locked.prn").path)
        let outcome = try PrnProcess.run(["run", "locked.prn"], in: folder.url, timeout: 30)
        XCTAssertEqual(outcome.status, 66, outcome.summary)
        XCTAssertTrue(outcome.stderr.contains("locked.prn"), outcome.summary)
    }

    func testReportOfMissingLogIsNoInput() throws {
        let folder = try TemporaryFolder("report-missing")
        let outcome = try PrnProcess.run(["report", "absent.jsonl", "--out", "out"], in: folder.url, timeout: 30)
        XCTAssertEqual(outcome.status, 66, outcome.summary)
        XCTAssertTrue(outcome.stderr.contains("absent.jsonl"), outcome.summary)
    }

    func testReportOfMalformedLogIsDataError() throws {
        let folder = try TemporaryFolder("report-bad")
        try folder.write("bad.jsonl", text: "this is not json\n")
        let outcome = try PrnProcess.run(["report", "bad.jsonl", "--out", "out"], in: folder.url, timeout: 30)
        XCTAssertEqual(outcome.status, 65, outcome.summary)
        XCTAssertTrue(outcome.stderr.contains("bad.jsonl"), outcome.summary)
    }

    func testReferenceSpliceOfMissingFileIsNoInput() throws {
        let folder = try TemporaryFolder("splice")
        let outcome = try PrnProcess.run(["reference", "--splice", "absent.md"], in: folder.url, timeout: 30)
        XCTAssertEqual(outcome.status, 66, outcome.summary)
        XCTAssertTrue(outcome.stderr.contains("absent.md"), outcome.summary)
    }

    func testReferenceSpliceWithoutMarkersIsDataError() throws {
        let folder = try TemporaryFolder("splice-markers")
        try folder.write("plain.md", text: "# no markers here\n")
        let outcome = try PrnProcess.run(["reference", "--splice", "plain.md"], in: folder.url, timeout: 30)
        XCTAssertEqual(outcome.status, 65, outcome.summary)
        XCTAssertTrue(outcome.stderr.contains("plain.md"), outcome.summary)
    }

    func testBadSetIsUsage() throws {
        let folder = try TemporaryFolder("set")
        try folder.write("x.prn", text: "print 1\n")
        let outcome = try PrnProcess.run(["run", "x.prn", "--set", "novalue"], in: folder.url, timeout: 30)
        XCTAssertEqual(outcome.status, 64, outcome.summary)
        XCTAssertTrue(outcome.stderr.contains("--set"), outcome.summary)
    }
}

import Foundation
import XCTest

/// Environment variables prn reads are checked when it starts: a value it cannot use stops it
/// with exit 64 and a message naming the variable and what it accepts, instead of being
/// silently replaced by a default.
final class EnvironmentSettingsTests: XCTestCase {
    func run(_ environment: [String: String], script: String = "print 1\n",
             setup: (TemporaryFolder) throws -> Void = { _ in }) throws -> PrnProcess.Outcome {
        let folder = try TemporaryFolder("env")
        try setup(folder)
        try folder.write("main.prn", text: script)
        return try PrnProcess.run(["run", "main.prn"], in: folder.url, environment: environment, timeout: 30)
    }

    func expectRefused(_ variable: String, _ values: [String], mentions: [String]) throws {
        for value in values {
            let outcome = try run([variable: value])
            XCTAssertFalse(outcome.signalled, "\(variable)=\(value): \(outcome.summary)")
            XCTAssertEqual(outcome.status, 64, "\(variable)=\(value): \(outcome.summary)")
            XCTAssertTrue(outcome.stderr.contains("\(variable)=\(value)") || outcome.stderr.contains("\(variable)='\(value)'"),
                          "\(variable)=\(value): the message quotes the setting: \(outcome.summary)")
            for text in mentions {
                XCTAssertTrue(outcome.stderr.contains(text), "\(variable)=\(value): stderr lacks '\(text)': \(outcome.summary)")
            }
            XCTAssertFalse(outcome.stdout.contains("1"), "\(variable)=\(value): the script must not run: \(outcome.stdout)")
        }
    }

    func testBadMemoryBudgetIsRefused() throws {
        try expectRefused("PRN_MEMORY_GB", ["abc", "-1", "0", "nan", "inf", "1e300", "", "8GB"], mentions: ["gigabytes"])
    }

    func testBadThreadCountIsRefused() throws {
        try expectRefused("PRN_THREADS", ["0", "-2", "abc", "2.5", "1e6", "100000", ""], mentions: ["whole number"])
    }

    func testStdlibThatIsNotAFolderIsRefused() throws {
        try expectRefused("PRN_STDLIB", ["/nonexistent-prn-stdlib"], mentions: ["folder"])
    }

    func testDataRootThatIsAFileIsRefused() throws {
        let outcome = try run(["PRN_DATA": "main.prn"])
        XCTAssertEqual(outcome.status, 64, outcome.summary)
        XCTAssertTrue(outcome.stderr.contains("PRN_DATA") && outcome.stderr.contains("main.prn") && outcome.stderr.contains("not a folder"), outcome.summary)
    }

    /// A data root that does not exist is not an error until a dataset is looked up there; then
    /// the not-found message says the root does not exist.
    func testMissingDataRootIsNamedWhenADatasetIsNotFound() throws {
        let outcome = try run(["PRN_DATA": "/nonexistent-prn-data"], script: "data mnist\n")
        XCTAssertEqual(outcome.status, 66, outcome.summary)
        XCTAssertTrue(outcome.stderr.contains("/nonexistent-prn-data (PRN_DATA): does not exist"), outcome.summary)
    }

    /// Good values still run (control: the checks above fail for the value, not the variable).
    func testGoodSettingsRun() throws {
        let outcome = try run(["PRN_MEMORY_GB": "0.5", "PRN_THREADS": "2"])
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        XCTAssertEqual(outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "1", outcome.summary)
    }
}

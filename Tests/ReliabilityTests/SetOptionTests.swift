import Foundation
import XCTest

/// `--set NAME=VALUE` values are read as .prn literals with the language's own lexer and parser;
/// anything else is refused as a usage error naming the argument.
final class SetOptionTests: XCTestCase {
    private func run(_ sets: [String], script: String = "print x\n", command: String = "run") throws -> PrnProcess.Outcome {
        let folder = try TemporaryFolder("set")
        try folder.write("main.prn", text: script)
        return try PrnProcess.run([command, "main.prn"] + sets.flatMap { ["--set", $0] }, in: folder.url, timeout: 60)
    }

    func testLiteralsOfEveryKindAreAccepted() throws {
        let cases: [(String, String)] = [
            ("x=3", "3"), ("x=-0.5", "-0.5"), ("x=1e-4", "0.0001"), ("x=50%", "0.5"), ("x=true", "true"),
            (#"x="a b""#, "a b"), (#"x=[1, "a", [false]]"#, #"[1, "a", [false]]"#), ("x=[]", "[]"),
            ("x=mipp", "mipp"), ("x=fashion-mnist", "fashion-mnist"),
        ]
        for (set, printed) in cases {
            let outcome = try run([set])
            XCTAssertEqual(outcome.status, 0, "--set \(set): " + outcome.summary)
            XCTAssertEqual(outcome.stdout, printed + "\n", "--set \(set)")
        }
    }

    func testABareNameIsItsTextSoRecipesKeepWorking() throws {
        let outcome = try run(["stage=train"], script: "assert stage == \"train\" \"a bare name is its text\"\nprint \"stage \" + stage\n")
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        XCTAssertEqual(outcome.stdout, "stage train\n")
    }

    func testNumbersBeyondADoubleAreRefused() throws {
        for set in ["x=1e400", "x=" + String(repeating: "9", count: 400), "x=[1, -1e999]"] {
            let outcome = try run([set])
            XCTAssertEqual(outcome.status, 64, "--set \(set.prefix(40)): " + outcome.summary)
            XCTAssertTrue(outcome.stderr.contains("--set x="), outcome.summary)
            XCTAssertTrue(outcome.stderr.contains("number"), outcome.summary)
        }
    }

    func testAnythingButALiteralIsRefusedNamingTheArgument() throws {
        for set in ["x=[1, 2", "x=a + b", "x=results/model.safetensors", "x=1; print 2", "x=(eval)",
                    "x=\"open", "x=", "x=3x", "x=[1, y.z]", "x=1\nprint 2"] {
            let outcome = try run([set])
            XCTAssertEqual(outcome.status, 64, "--set \(set): " + outcome.summary)
            XCTAssertTrue(outcome.stderr.contains("--set " + set.prefix(while: { $0 != "\n" })), "--set \(set): " + outcome.summary)
            XCTAssertTrue(outcome.stderr.contains("strings in double quotes"), "--set \(set): " + outcome.summary)
            XCTAssertFalse(outcome.stdout.contains("2"), "--set \(set) ran the script: " + outcome.summary)
        }
    }

    func testNamesMustBeNames() throws {
        for set in ["1x=3", "a b=3", "let=3", "=3", "x"] {
            let outcome = try run([set])
            XCTAssertEqual(outcome.status, 64, "--set \(set): " + outcome.summary)
            XCTAssertTrue(outcome.stderr.contains("--set"), outcome.summary)
        }
    }

    func testCheckRefusesTheSameWay() throws {
        let outcome = try run(["x=1e400"], command: "check")
        XCTAssertEqual(outcome.status, 64, outcome.summary)
        XCTAssertTrue(outcome.stderr.contains("--set x=1e400"), outcome.summary)
    }
}

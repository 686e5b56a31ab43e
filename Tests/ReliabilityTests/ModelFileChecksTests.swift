import Foundation
import XCTest

/// `load FILE allow_nonfinite=true` is the one way to read a model file holding NaN or
/// infinite weights (to inspect a diverged run); the refusals are rows of MalformedInputCases.
final class ModelFileChecksTests: XCTestCase {
    func testAllowNonfiniteLoadsAndSaysHowMany() throws {
        let folder = try TemporaryFolder("nonfinite")
        var weight = [Float](repeating: 0.1, count: 8)
        weight[2] = .nan
        weight[6] = .infinity
        try folder.write("m.safetensors", MalformedInputCases.modelFile(weight: weight))
        try folder.write("main.prn", text: "load \"m.safetensors\" allow_nonfinite=true\nshow model\n")
        let outcome = try PrnProcess.run(["run", "main.prn"], in: folder.url, timeout: 30)
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        XCTAssertTrue((outcome.stdout + outcome.stderr).contains("2 non-finite"), "the load says what it let through:\n\(outcome.stdout)\n\(outcome.summary)")
    }

    /// Control: the same file without the option is refused (the row in MalformedInputCases
    /// checks the message).
    func testWithoutTheOptionTheSameFileIsRefused() throws {
        let folder = try TemporaryFolder("nonfinite-refused")
        var weight = [Float](repeating: 0.1, count: 8)
        weight[2] = .nan
        try folder.write("m.safetensors", MalformedInputCases.modelFile(weight: weight))
        try folder.write("main.prn", text: "load \"m.safetensors\"\n")
        let outcome = try PrnProcess.run(["run", "main.prn"], in: folder.url, timeout: 30)
        XCTAssertEqual(outcome.status, 65, outcome.summary)
    }
}

import Language
import Runtime
import XCTest

/// `score METHOD` and `train penalty=NAME` options are checked against the chosen method's own
/// declarations before anything runs (they used to fail only at run time, after training).
final class MethodOptionCheckTests: XCTestCase {
    private let setup = "load mlp data=synthetic hidden=[16]\n"

    /// A model receding and its penalty accept (sigmoid batch norms).
    private let sigmoidSetup = "load mlp data=synthetic hidden=[16] norm=sigmoid\n"

    private func diagnostics(_ text: String, setup: String? = nil) -> [Diagnostic] {
        Checker.check(SourceFile(name: "t.prn", text: (setup ?? self.setup) + text), verbs: Verbs.table).diagnostics
    }

    /// "code@line:column message | help" of each diagnostic.
    private func expect(_ text: String, _ code: String, at column: Int, _ parts: [String], setup: String? = nil,
                        file: StaticString = #filePath, line: UInt = #line) {
        let found = diagnostics(text, setup: setup)
        XCTAssertEqual(found.map { "\($0.code.id)@\($0.range.start.line):\($0.range.start.column)" }, ["\(code)@2:\(column)"],
                       found.map(\.message).joined(separator: " | "), file: file, line: line)
        let text = found.map { $0.message + " | " + ($0.help ?? "") }.joined()
        for part in parts { XCTAssertTrue(text.contains(part), "'\(part)' not in: \(text)", file: file, line: line) }
    }

    /// The allocator keeps at least one unit per layer; the declaration says so, so the checker
    /// refuses `min_keep=0` instead of the run failing after training.
    func testMinKeepBelowOneIsACheckError() {
        XCTAssertFalse(diagnostics("score magnitude\nprune 0.5 min_keep=0\n").isEmpty, "min_keep=0 passed the checker")
    }

    func testAnOptionOfAnotherMethodIsACheckError() {
        expect("score contribution alpha=0.3\n", "E202", at: 20,
               ["'score contribution' has no option 'alpha'", "norm, blind, k"])
    }

    /// samples, batch and p belong to the methods that read them: on any other method they used
    /// to be accepted and silently ignored.
    func testSharedScoreOptionsBelongOnlyToTheMethodsThatReadThem() {
        expect("score contribution p=2\n", "E202", at: 20, ["'score contribution' has no option 'p'"])
        expect("score magnitude samples=100\n", "E202", at: 17, ["'score magnitude' has no option 'samples'"])
        expect("score receding batch=64\n", "E202", at: 16, ["'score receding' has no option 'batch'"],
               setup: "load vgg-small norm=sigmoid data=fashion-mnist\n")
        XCTAssertEqual(diagnostics("score magnitude p=2\nscore contribution samples=all batch=64\nscore taylor samples=100\n"
                                   + "score screening samples=all\nscore mipp samples=500\n").map(\.message), [])
        expect("score contribution samples=0\n", "E302", at: 28, ["samples"])
        expect("score contribution samples=most\n", "E203", at: 28, ["samples"])
    }

    func testPruneNormalizeTakesTheDeclaredModes() {
        XCTAssertEqual(diagnostics("score magnitude\nprune 0.5 normalize=l2 min_inputs=2\n").map(\.message), [])
        XCTAssertFalse(diagnostics("score magnitude\nprune 0.5 normalize=median\n").isEmpty, "an unknown mode passed the checker")
        XCTAssertFalse(diagnostics("score magnitude\nprune 0.5 min_inputs=-1\n").isEmpty, "a negative threshold passed the checker")
    }

    func testAMisspeltMethodOptionGetsADidYouMean() {
        expect("score mipp confidnce=0.9\n", "E202", at: 12, ["did you mean 'confidence'?", "predictor, confidence, repeats, pool"])
    }

    func testWrongTypeAndOutOfRangeMethodOptions() {
        XCTAssertEqual(diagnostics("score mipp repeats=\"x\"\n").map(\.range.start.column), [20])
        XCTAssertFalse(diagnostics("score mipp repeats=\"x\"\n").isEmpty)
        expect("score mipp confidence=1.5\n", "E302", at: 23, ["confidence"])
    }

    func testAGranularityTheMethodDoesNotScoreIsACheckError() {
        expect("score mipp granularity=weights\n", "E203", at: 24, ["does not support granularity weights", "neurons or channels"])
        XCTAssertEqual(diagnostics("score receding granularity=weights\n", setup: sigmoidSetup).map(\.message),
                       ["'score receding' does not support granularity weights"])
    }

    func testPenaltyOptionsDependOnThePenalty() {
        expect("train penalty=l1 shift=2\n", "E202", at: 18, ["'train l1' has no option 'shift'"],
               setup: "load mlp data=synthetic hidden=[16] norm=bn\n")
        XCTAssertEqual(diagnostics("train penalty=receding shift=2 lambda=0.001\n", setup: sigmoidSetup).map(\.message), [])
    }

    func testMethodsWithoutAGranularityTakeTheirOwnDefault() throws {
        let score = try XCTUnwrap(Verbs.table["score"])
        XCTAssertEqual(score.options(forVariant: "mipp")?.first { $0.name == "granularity" }?.defaultValue, .word("neurons"))
        XCTAssertEqual(score.options(forVariant: "receding")?.first { $0.name == "granularity" }?.defaultValue, .word("channels"))
        XCTAssertEqual(score.options(forVariant: "magnitude")?.first { $0.name == "granularity" }?.defaultValue, .word("weights"))
        XCTAssertEqual(diagnostics("score mipp\nscore receding\n", setup: sigmoidSetup).map(\.message), [])
    }
}

import Engine
import Foundation
import Language
@testable import Runtime
import XCTest

/// A word option written as a string or computed from a variable (`penalty=p` with
/// `let p = "pat"`, as the reproduction recipes pass their settings) means the same word as the
/// bare word: the penalty is applied and recorded, not silently replaced by the default.
final class ComputedChoiceTests: XCTestCase {
    static let load = "load mlp data=synthetic hidden=[12] subset=128"

    func variant(after script: String) throws -> String {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("prn-choice-\(UUID())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let paths = PathPolicy(base: work, roots: [work])
        let s = Session(paths: paths, output: { _ in })
        s.quiet = true
        let checked = Checker.check(SourceFile(name: "choice.prn", text: script), verbs: Verbs.table,
                                    resolver: FileImportResolver(paths: paths))
        XCTAssertFalse(checked.hasErrors, "\(checked.diagnostics.map(\.message))")
        let outcome = Interpreter(verbs: Verbs.registry(for: s), output: { _ in }).run(checked)
        XCTAssertEqual(outcome.status, .completed, "\(outcome.diagnostics.map(\.message))")
        return s.modelState?.variant ?? ""
    }

    func testAPenaltyWrittenAsAStringOrAVariableIsApplied() throws {
        XCTAssertEqual(try variant(after: "\(Self.load)\ntrain epochs=1 penalty=pat\n"), "penalty=pat")
        XCTAssertEqual(try variant(after: "\(Self.load)\ntrain epochs=1 penalty=\"pat\"\n"), "penalty=pat")
        XCTAssertEqual(try variant(after: "let p = \"pat\"\n\(Self.load)\ntrain epochs=1 penalty=p\n"), "penalty=pat")
        XCTAssertEqual(try variant(after: "def t(p) {\n  train epochs=1 penalty=p\n}\n\(Self.load)\nt \"pat\"\n"), "penalty=pat")
    }

    func testPruneAutoWrittenAsAStringIsAuto() throws {
        let script = "\(Self.load)\nscore mipp samples=128\nprune \"auto\"\n"
        XCTAssertEqual(try variant(after: script), "")
    }
}

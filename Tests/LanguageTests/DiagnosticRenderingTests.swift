import Foundation
import Language
import XCTest

/// The rendered text is part of the interface: scripts, the REPL and tests all print it.
final class DiagnosticRenderingTests: XCTestCase {
    func testUnknownScoringMethodMatchesTheDesign() {
        let text = Array(repeating: "seed 0", count: 9).joined(separator: "\n")
            + "\nload mlp data=mnist\ntrain\nscore mip samples=512\n"
        XCTAssertEqual(TestVerbs.render(text, name: "recipe.prn"), """
            recipe.prn:12:7: error[E203]: unknown scoring method 'mip'
               12 | score mip samples=512
                  |       ^~~
                  = help: did you mean 'mipp'?

            """)
    }

    func testUnknownOptionWithSuggestion() {
        XCTAssertEqual(TestVerbs.render("load mlp data=mnist\nscore mipp sample=64\n"), """
            test.prn:2:12: error[E202]: 'score' has no option 'sample'
                2 | score mipp sample=64
                  |            ^~~~~~
                  = help: did you mean 'samples'?

            """)
    }

    func testOutOfRangeConstant() {
        XCTAssertEqual(TestVerbs.render("load mlp data=mnist\nscore mipp\nprune 1.5\n"), """
            test.prn:3:7: error[E302]: AMOUNT of 'prune' must be a fraction in (0, 1), found 1.5
                3 | prune 1.5
                  |       ^~~

            """)
    }

    func testMissingPrerequisiteAndNotes() {
        XCTAssertEqual(TestVerbs.render("load mlp\nprune 0.5\n"), """
            test.prn:2:1: error[E404]: 'prune' needs scores, but no earlier step provides it
                2 | prune 0.5
                  | ^~~~~
                  = help: add a 'score' step before this line

            """)
        XCTAssertEqual(TestVerbs.render("print total\nlet total = 1\n"), """
            test.prn:1:7: error[E204]: undefined name 'total'
                1 | print total
                  |       ^~~~~
                  = note: 'total' is defined later (test.prn:2:5)
                  = help: move the definition above its first use

            """)
    }

    func testWideLineNumbersWidenTheGutter() {
        let text = String(repeating: "\n", count: 12344) + "evl\n"
        XCTAssertEqual(TestVerbs.render(text), """
            test.prn:12345:1: error[E201]: unknown command 'evl'
             12345 | evl
                   | ^~~
                   = help: did you mean 'eval'?

            """)
    }

    func testColourIsOptIn() {
        let checked = TestVerbs.check("evl\n")
        let plain = DiagnosticRenderer(sources: checked.sources).render(checked.diagnostics)
        let coloured = DiagnosticRenderer(sources: checked.sources, colour: true).render(checked.diagnostics)
        XCTAssertFalse(plain.contains("\u{1B}["))
        XCTAssertTrue(coloured.contains("\u{1B}[1;31merror[E201]:"))
        XCTAssertEqual(coloured.replacingOccurrences(of: "\u{1B}\\[[0-9;]*m", with: "", options: .regularExpression), plain)
    }

    func testSuggestionDistance() {
        XCTAssertEqual(Suggestions.distance("mipp", "mip"), 1)
        XCTAssertEqual(Suggestions.distance("ab", "ba"), 1, "a transposition is one edit")
        XCTAssertEqual(Suggestions.distance("kitten", "sitting"), 3)
        XCTAssertEqual(Suggestions.closest(to: "globl", among: ["global", "local", "uniform"]), "global")
        XCTAssertNil(Suggestions.closest(to: "xyz", among: ["global", "local"]))
        XCTAssertNil(Suggestions.closest(to: "ab", among: ["xyz"]), "short words tolerate one edit only")
    }

    func testEveryCodeIsUniqueAndDocumented() throws {
        let ids = DiagnosticCode.catalog.map(\.id)
        XCTAssertEqual(Set(ids).count, ids.count)
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../docs/language.md").standardized
        let text = try String(contentsOf: docs, encoding: .utf8)
        for code in DiagnosticCode.catalog {
            XCTAssertTrue(text.contains("`\(code.id)`"), "\(code.id) missing from docs/language.md")
        }
    }
}

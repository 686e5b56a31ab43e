import Language
import XCTest

/// Number literals a double cannot hold are refused where they are written, instead of
/// silently becoming infinity and flowing into options and arithmetic.
final class NumberRangeTests: XCTestCase {
    private func lex(_ text: String) -> (kinds: [TokenKind], diagnostics: [Diagnostic]) {
        let (tokens, diagnostics) = Lexer.tokenize(SourceFile(name: "t.prn", text: text))
        return (tokens.map(\.kind), diagnostics)
    }

    func testExponentBeyondDoubleIsE005() {
        let (kinds, diagnostics) = lex("train lr=1e400")
        XCTAssertEqual(diagnostics.map(\.code), [.malformedNumber], "\(kinds)")
        XCTAssertTrue(diagnostics.first?.message.contains("1e400") ?? false, diagnostics.first?.message ?? "")
        XCTAssertEqual(diagnostics.first?.range.start.column, 10)
        XCTAssertFalse(kinds.contains(.number(.infinity, isPercent: false)))
    }

    func testFourHundredDigitsAreE005() {
        let digits = "1" + String(repeating: "0", count: 400)
        let (_, diagnostics) = lex("let x = \(digits)")
        XCTAssertEqual(diagnostics.map(\.code), [.malformedNumber])
        XCTAssertNotNil(diagnostics.first?.help)
    }

    func testPercentOfTheLargestDoubleStaysFinite() {
        let (kinds, diagnostics) = lex("1.7e308 1.7e308% 1e-400")
        XCTAssertEqual(diagnostics, [])
        XCTAssertEqual(kinds, [.number(1.7e308, isPercent: false), .number(1.7e306, isPercent: true),
                               .number(0, isPercent: false), .endOfFile])
    }

    func testCheckerRefusesTheScript() {
        let (_, diagnostics) = Parser.parse(SourceFile(name: "t.prn", text: "let x = 2e308\nprint x\n"))
        XCTAssertEqual(diagnostics.map(\.code.id), ["E005"])
        XCTAssertEqual(diagnostics.first?.range.start.line, 1)
    }
}

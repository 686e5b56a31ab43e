import Language
import XCTest

final class LexerTests: XCTestCase {
    private func kinds(_ text: String) -> [TokenKind] {
        Lexer.tokenize(SourceFile(name: "t.prn", text: text)).tokens.map(\.kind)
    }

    func testCommandLineTokens() {
        XCTAssertEqual(kinds("prune 0.5 global min_keep=2"), [
            .identifier("prune"), .number(0.5, isPercent: false), .identifier("global"),
            .identifier("min_keep"), .symbol(.assign), .number(2, isPercent: false), .endOfFile,
        ])
    }

    func testHyphenatedNamesAndSubtraction() {
        XCTAssertEqual(kinds("fashion-mnist vgg-small a - b x-"), [
            .identifier("fashion-mnist"), .identifier("vgg-small"), .identifier("a"), .symbol(.minus),
            .identifier("b"), .identifier("x"), .symbol(.minus), .endOfFile,
        ])
    }

    func testNumbersAndPercentages() {
        XCTAssertEqual(kinds("3 0.5 1e-4 2E+3 50% 12.5%"), [
            .number(3, isPercent: false), .number(0.5, isPercent: false), .number(1e-4, isPercent: false),
            .number(2000, isPercent: false), .number(0.5, isPercent: true), .number(0.125, isPercent: true), .endOfFile,
        ])
    }

    func testStringsAndEscapes() {
        XCTAssertEqual(kinds(#""a\"b\\c\nd""#), [.string("a\"b\\c\nd"), .endOfFile])
    }

    func testKeywordsSymbolsAndComments() {
        XCTAssertEqual(kinds("if not a <= b and c != d { } # comment\nx >= [1, 2];y == (z)"), [
            .keyword(.if), .keyword(.not), .identifier("a"), .symbol(.lessEqual), .identifier("b"), .keyword(.and),
            .identifier("c"), .symbol(.notEqual), .identifier("d"), .symbol(.leftBrace), .symbol(.rightBrace),
            .endOfStatement, .identifier("x"), .symbol(.greaterEqual), .symbol(.leftBracket),
            .number(1, isPercent: false), .symbol(.comma), .number(2, isPercent: false), .symbol(.rightBracket),
            .endOfStatement, .identifier("y"), .symbol(.equal), .symbol(.leftParen), .identifier("z"),
            .symbol(.rightParen), .endOfFile,
        ])
    }

    func testNewlinesInsideBracketsDoNotEndStatements() {
        XCTAssertEqual(kinds("[1,\n2]\nx"), [
            .symbol(.leftBracket), .number(1, isPercent: false), .symbol(.comma), .number(2, isPercent: false),
            .symbol(.rightBracket), .endOfStatement, .identifier("x"), .endOfFile,
        ])
    }

    func testLexicalErrorsAreDiagnosedAndLexingContinues() {
        let (tokens, diagnostics) = Lexer.tokenize(SourceFile(name: "t.prn", text: "a @ 3x \"open\nb \"\\q\" é"))
        XCTAssertEqual(diagnostics.map(\.code), [.unexpectedCharacter, .malformedNumber, .unterminatedString,
                                                  .invalidEscape, .unexpectedCharacter])
        XCTAssertEqual(diagnostics.map(\.range.start.column), [3, 5, 8, 4, 8])
        XCTAssertEqual(diagnostics.last?.message, "unexpected character 'é'")
        XCTAssertTrue(tokens.contains { $0.kind == .identifier("b") }, "lexing continues on the next line")
    }

    func testRangesCountColumnsInScalars() {
        let tokens = Lexer.tokenize(SourceFile(name: "t.prn", text: "print \"üü\" x")).tokens
        XCTAssertEqual(tokens[2].range.start.column, 12)
        XCTAssertEqual(tokens[2].range.start.offset, 13)
    }
}

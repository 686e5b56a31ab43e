import Language
import XCTest

final class ParserTests: XCTestCase {
    private func tree(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        let (dump, diagnostics) = SyntaxDump.parse(text)
        XCTAssertEqual(diagnostics.map(\.message), [], file: file, line: line)
        return dump
    }

    func testCommandsWithWordsOptionsAndExpressions() {
        XCTAssertEqual(tree("prune 0.5 global min_keep=2\ntrain lr=base_lr * 0.1 penalty=receding"), """
            (prune 0.5 global min_keep=2)
            (train lr=(* base_lr 0.1) penalty=receding)
            """)
    }

    func testLetWithParenthesisedCommandAndFields() {
        XCTAssertEqual(tree("let r = (eval split=val)\nprint r.accuracy, (eval).loss"), """
            (let r (cmd eval split=val))
            (print (. r accuracy) (. (cmd eval) loss))
            """)
    }

    func testParenthesisedExpressionIsNotACommand() {
        XCTAssertEqual(tree("let x = (a - 1) * -2"), "(let x (* (- a 1) -2))")
    }

    func testPrecedence() {
        XCTAssertEqual(tree("let x = not a or b and c == 1 + 2 * 3"),
                       "(let x (or (not a) (and b (== c (+ 1 (* 2 3))))))")
        XCTAssertEqual(tree("let y = 1 - 2 - 3"), "(let y (- (- 1 2) 3))")
    }

    func testControlFlowAndProcedures() {
        let text = """
            def sweep(method, amount=0.5) {
              score method
              prune amount
              return (eval)
            }
            for r in [0.5, 50%] { sweep mipp amount=r }
            if a { print 1 } else if b { print 2 }
            else { print 3 }
            import "lib.prn"; assert x > 0 "x must be positive"
            assert ok
            """
        XCTAssertEqual(tree(text), """
            (def sweep (method amount=0.5) {(score method) (prune amount) (return (cmd eval))})
            (for r [0.5 0.5] {(sweep mipp amount=r)})
            (if a {(print 1)} b {(print 2)} else {(print 3)})
            (import "lib.prn")
            (assert (> x 0) "x must be positive")
            (assert ok)
            """)
    }

    func testRangesCoverTheirText() {
        let (program, _) = Parser.parse(SourceFile(name: "t.prn", text: "\n  score mipp samples=512\n"))
        guard case .command(let command) = program.statements.first?.kind else { return XCTFail("no command") }
        XCTAssertEqual(command.range.start.line, 2)
        XCTAssertEqual(command.range.start.column, 3)
        XCTAssertEqual(command.range.end.column, 25)
        XCTAssertEqual(command.options.first?.value.range.start.column, 22)
    }

    func testSyntaxErrorsRecoverAtStatementBoundaries() {
        let text = """
            let a = (1 +
            print a
            let = 3
            for x [1] { print x }
            prune 0.5 global )
            else { }
            }
            print "done"
            """
        let (dump, diagnostics) = SyntaxDump.parse(text)
        XCTAssertEqual(diagnostics.map { "\($0.code.id)@\($0.range.start.line)" },
                       ["E102@1", "E101@3", "E101@4", "E105@5", "E103@6", "E103@7"])
        // The broken let still declares `a`, and the for body is still parsed.
        XCTAssertTrue(dump.contains("(let a <invalid>)"))
        XCTAssertTrue(dump.contains("(for x <invalid> {(print x)})"))
        XCTAssertTrue(dump.hasSuffix("(print \"done\")"))
    }

    func testUnclosedBlockPointsAtItsBrace() {
        let (_, diagnostics) = SyntaxDump.parse("if a {\n  print 1\n")
        XCTAssertEqual(diagnostics.count, 1)
        XCTAssertEqual(diagnostics.first?.message, "expected '}' to close the block")
        XCTAssertEqual(diagnostics.first?.notes.first?.range?.start.line, 1)
    }
}

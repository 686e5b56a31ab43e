import Foundation
import Language
import XCTest

final class RecoveryTests: XCTestCase {
    /// Five different mistakes in a 40-line script: each reported at its line and column,
    /// and nothing else (no cascades from the broken lines).
    func testFiveMistakesInFortyLinesAreAllReportedAndNothingElse() {
        var lines = [
            "# a recipe with five mistakes",
            "seed 0",
            "load lenet300 data=mnist",
            "let base_lr = 0.1",
            "train epochs=2 lr=base_lr",
            "checkpoint dense",
            "trian epochs=1",                              // 7: unknown verb
            "score mipp samples=128",
            "train epochs=1 lr=base_lr * 0.5 momentun=0.9", // 9: unknown option
            "prune 1.5 global",                            // 10: out of range
            "let r = (eval)",
            "print r.accuracy, baselr",                    // 12: undefined name
            "score mip",                                   // 13: unknown method
        ]
        while lines.count < 40 {
            lines.append(lines.count % 2 == 0 ? "print r.loss * \(lines.count)" : "# filler \(lines.count)")
        }
        let checked = TestVerbs.check(lines.joined(separator: "\n"))
        XCTAssertEqual(lines.count, 40)
        XCTAssertEqual(checked.diagnostics.map { "\($0.code.id)@\($0.range.start.line):\($0.range.start.column)" },
                       ["E201@7:1", "E202@9:33", "E302@10:7", "E204@12:19", "E203@13:7"])
        XCTAssertEqual(checked.diagnostics.map(\.help), [
            "did you mean 'train'?", "options: epochs, lr, penalty", nil,
            "did you mean 'base_lr'?", "did you mean 'mipp'?",
        ])
    }

    func testDeepNestingIsADiagnosticNotACrash() {
        let depth = 5000
        let parens = "let x = " + String(repeating: "(", count: depth) + "1" + String(repeating: ")", count: depth)
        let blocks = String(repeating: "if true {\n", count: depth) + String(repeating: "}\n", count: depth)
        let chain = "let y = 1" + String(repeating: " + 1", count: depth)
        let lists = "let z = " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        for text in [parens, blocks, chain, lists] {
            let checked = TestVerbs.check(text + "\nprint \"after\"\nevl\n")
            XCTAssertEqual(checked.diagnostics.map(\.code), [.nestingTooDeep, .unknownVerb],
                           "one nesting error, then checking goes on after the statement")
        }
        let fine = String(repeating: "if true {\n", count: 100) + String(repeating: "}\n", count: 100)
        XCTAssertEqual(TestVerbs.check(fine).diagnostics.count, 0)
    }

    func testNonUTF8InputIsADiagnostic() {
        let bytes: [UInt8] = Array("print 1\nprint \"".utf8) + [0xFF, 0xFE] + Array("\"\n".utf8)
        switch SourceFile.decode(name: "bad.prn", bytes: bytes) {
        case .success: XCTFail("invalid UTF-8 accepted")
        case .failure(let diagnostic):
            XCTAssertEqual(diagnostic.code, .invalidUTF8)
            XCTAssertEqual(diagnostic.range.start.line, 2)
            XCTAssertEqual(diagnostic.range.start.column, 8)
            XCTAssertEqual(DiagnosticRenderer().render(diagnostic).split(separator: "\n").first,
                           "bad.prn:2:8: error[E001]: file is not valid UTF-8 (bad byte 0xff at byte offset 15)")
        }
        for bad: [UInt8] in [[0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]] {
            if case .success = SourceFile.decode(name: "x", bytes: bad) { XCTFail("accepted \(bad)") }
        }
        if case .failure = SourceFile.decode(name: "x", bytes: Array("é € 𝄞".utf8)) { XCTFail("rejected valid text") }
    }

    func testThousandLineScriptChecksQuickly() {
        var lines = ["load lenet300 data=mnist", "def step(amount, method=mipp) {", "  score method", "  prune amount global", "}"]
        var index = 0
        while lines.count < 1000 {
            switch index % 5 {
            case 0: lines.append("let lr_\(index) = 0.1 * \(index % 7 + 1)")
            case 1: lines.append("train epochs=\(index % 3 + 1) lr=lr_\(index - 1) penalty=receding")
            case 2: lines.append("step 0.\(index % 9 + 1) method=magnitude")
            case 3: lines.append("if lr_\(index - 3) > 0.3 { print \"high\", lr_\(index - 3) } else { eval split=val }")
            default: lines.append("for r in [0.5, 0.8, 90%] { prune r local min_keep=2 } # sweep")
            }
            index += 1
        }
        let source = SourceFile(name: "big.prn", text: lines.joined(separator: "\n"))
        _ = TestVerbs.check(source.text)  // warm-up
        let start = Date()
        let checked = Checker.check(source, verbs: TestVerbs.table)
        let elapsed = Date().timeIntervalSince(start) * 1000
        print("checked \(source.lineCount) lines in \(String(format: "%.2f", elapsed)) ms")
        XCTAssertEqual(checked.diagnostics.map(\.message), [])
        XCTAssertEqual(checked.main.statements.count, 997)
    }
}

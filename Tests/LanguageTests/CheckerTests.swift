import Language
import XCTest

/// Table-driven checks: each script and the exact diagnostics (code@line:column) it produces.
final class CheckerTests: XCTestCase {
    private let setup = "load mlp data=mnist\n"

    private func expect(_ text: String, _ expected: [String], file: StaticString = #filePath, line: UInt = #line) {
        let found = TestVerbs.check(text).diagnostics
        XCTAssertEqual(found.map { "\($0.code.id)@\($0.range.start.line):\($0.range.start.column)" }, expected,
                       found.map(\.message).joined(separator: " | "), file: file, line: line)
    }

    func testValidPipelineHasNoDiagnostics() {
        expect("""
            seed 0
            load lenet300 data=mnist
            train epochs=8 lr=0.1 penalty=receding
            checkpoint dense
            score mipp
            prune 0.5 global
            prune auto local min_keep=2
            let r = (eval)
            assert r.accuracy > 0.9 "too inaccurate"
            print r.loss, (eval split=val).params
            load "models/net.safetensors"
            """, [])
    }

    func testVerbsOptionsAndWords() {
        expect("scor mipp\n", ["E201@1:1"])
        expect(setup + "train epoch=2\n", ["E202@2:7"])
        expect(setup + "train penalty=l3\n", ["E203@2:15"])
        expect(setup + "score mipp\nprune 0.5 globl\n", ["E203@3:11"])
        expect(setup + "train epochs=2 epochs=3\n", ["E205@2:16"])
        expect("load resnet-9000\n", ["E203@1:6"])
    }

    func testTypesRangesAndArity() {
        expect(setup + "score mipp\nprune 1.5\n", ["E302@3:7"])
        expect(setup + "train epochs=0\n", ["E302@2:14"])
        expect(setup + "train epochs=2.5\n", ["E301@2:14"])
        expect(setup + "train lr=\"fast\"\n", ["E301@2:10"])
        expect("seed -1\n", ["E302@1:6"])
        expect(setup + "score mipp\nprune 0.5 global local\n", ["E303@3:18"])
        expect(setup + "score\n", ["E304@2:1"])
        expect(setup + "let s = \"x\"\ntrain lr=s\n", ["E301@3:10"])
        expect("let a = 1 + \"b\"\nlet c = -\"d\"\nif 3 { }\nfor x in 5 { }\n", ["E301@1:9", "E301@2:10", "E301@3:4", "E301@4:10"])
        expect("let a = 1 / 0\n", ["E503@1:13"])
    }

    func testNamesFieldsAndVariablesInWordPositions() {
        expect("print totl\nlet total = 1\nprint totl\n", ["E204@1:7", "E204@3:7"])
        expect(setup + "let r = (eval)\nprint r.acc\n", ["E207@3:9"])
        expect("let n = 3\nprint n.x\n", ["E301@2:7"])
        // A variable used where a value is expected; a choice word wins over a variable.
        expect(setup + "let ratio = 0.3\nlet global = 7\nscore mipp\nprune ratio global\n", [])
        expect(setup + "let m = \"mipp\"\nscore m\n", [])
        expect("let x = 1\nx\n", ["E201@2:1"])
        expect("print eval\n", ["E204@1:7"])
    }

    func testProcedures() {
        let def = "def sweep(method, amount=0.5) {\n  score method\n  prune amount\n  return (eval)\n}\n"
        expect(setup + def + "sweep mipp\nsweep magnitude amount=0.8\nlet r = (sweep random 0.2)\n", [])
        expect(setup + def + "sweep\n", ["E304@7:1"])
        expect(setup + def + "sweep mipp 0.5 3\n", ["E303@7:16"])
        expect(setup + def + "sweep mipp amout=0.5\n", ["E202@7:12"])
        expect(setup + def + "sweep mipp 0.5 amount=0.2\n", ["E205@7:16"])
        expect("def f(a, a) { }\ndef f() { }\ndef prune() { }\n", ["E206@1:10", "E206@2:5", "E206@3:5"])
        expect("return 1\nif true { def g() { } }\nif true { import \"x.prn\" }\n", ["E401@1:1", "E405@2:15", "E405@3:11"])
        expect("def f() { return undefined_thing }\n", ["E204@1:18"])
        // Recursion sees its own name; procedures see globals defined before them.
        expect("let base = 2\ndef f(n) { if n > 0 { f n - 1 } \n print base }\nf 3\n", [])
    }

    func testOrderFactsHaveNoFalseAlarms() {
        expect("load mlp data=mnist\nprune 0.5\n", ["E404@2:1"])
        expect("score mipp\n", ["E404@1:1"])
        // Possibly provided on some path: no report.
        expect(setup + "if true { score mipp }\nprune 0.5\n", [])
        expect(setup + "for i in [1, 2] { if i > 1 { prune 0.5 } \n score mipp }\n", [])
        expect(setup + "def s() { score mipp }\ns\nprune 0.5\n", [])
        expect("def p() { prune 0.5 }\n", [])
        // Missing on every path into the else branch.
        expect(setup + "if true { score mipp } else { prune 0.5 }\n", ["E404@2:31"])
    }

    func testImports() {
        let files = InMemoryImportResolver(files: [
            "lib.prn": "let shared = 1\ndef helper(x) { print x }\n",
            "a.prn": "import \"b.prn\"\n",
            "b.prn": "import \"a.prn\"\n",
            "broken.prn": "prnt 1\n",
        ])
        XCTAssertEqual(TestVerbs.codes("import \"lib.prn\"\nhelper shared\nimport \"lib.prn\"\n", resolver: files), [])
        XCTAssertEqual(TestVerbs.codes("import \"missing.prn\"\n", resolver: files), ["E402@1:8"])
        XCTAssertEqual(TestVerbs.codes("import \"a.prn\"\n", resolver: files), ["E403@1:8"])
        let broken = TestVerbs.check("import \"broken.prn\"\n", resolver: files)
        XCTAssertEqual(broken.diagnostics.map(\.range.file), ["broken.prn"])
        XCTAssertEqual(broken.sources.map(\.name), ["test.prn", "broken.prn"])
        XCTAssertEqual(TestVerbs.codes("import \"lib.prn\"\n"), ["E402@1:8"], "no resolver: a clear error")
    }

    func testContextCarriesReplState() {
        let first = TestVerbs.check("load mlp data=mnist\nlet x = 1\ndef f() { }\nscore mipp\n")
        XCTAssertEqual(first.diagnostics.count, 0)
        let next = Checker.check(SourceFile(name: "<repl>", text: "prune x / 2\nf\n"), verbs: TestVerbs.table,
                                 context: first.context)
        XCTAssertEqual(next.diagnostics.map(\.message), [])
    }

    func testVerbHelpText() throws {
        let prune = try XCTUnwrap(TestVerbs.table["prune"])
        XCTAssertEqual(prune.synopsis, "prune AMOUNT [SCOPE] [min_keep=int]")
        XCTAssertEqual(prune.helpText(), """
            prune — remove the least important units

            usage: prune AMOUNT [SCOPE] [min_keep=int]

            arguments:
              AMOUNT  a fraction in (0, 1) or one of auto
              SCOPE  one of global, local, uniform (default global)

            options:
              min_keep  an integer >= 1 (default 1)
            needs: scores

            """)
        XCTAssertEqual(TestVerbs.table.names.first, "seed")
    }
}

import Language
import Runtime
import XCTest

/// Arguments and options are bound to a verb by one function (ArgumentBinding): the checker finds
/// a mistake in a constant, the interpreter the same mistake in a computed value, and both give
/// the same code, message and help.
final class ArgumentBindingTests: XCTestCase {
    /// The real verb table with handlers that do nothing: nothing trains, only binding is tested.
    private var registry: VerbRegistry {
        var registry = VerbRegistry()
        for signature in Verbs.table.signatures { registry.register(signature) { _ in .none } }
        return registry
    }

    /// Facts every command here may need, so the order checks stay quiet.
    private let context = CheckContext(facts: ["model", "data", "scores", "pruned"])

    private func checkerProblem(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        let checked = Checker.check(SourceFile(name: "t.prn", text: text), verbs: registry.table, context: context)
        XCTAssertEqual(checked.diagnostics.count, 1, "\(checked.diagnostics.map(\.message))", file: file, line: line)
        return checked.diagnostics.first.map(describe) ?? ""
    }

    /// The script passes the checker (its value is computed) and the interpreter refuses it.
    private func interpreterProblem(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        let registry = registry
        let checked = Checker.check(SourceFile(name: "t.prn", text: text), verbs: registry.table, context: context)
        XCTAssertEqual(checked.diagnostics.map(\.message), [], "the checker should not see the value", file: file, line: line)
        let outcome = Interpreter(verbs: registry, output: { _ in }).run(checked)
        XCTAssertEqual(outcome.status, .failed, file: file, line: line)
        return outcome.diagnostics.last.map(describe) ?? ""
    }

    private func describe(_ d: Diagnostic) -> String { "\(d.code.id): \(d.message) | \(d.help ?? "")" }

    private func assertSame(constant: String, computed: String, file: StaticString = #filePath, line: UInt = #line) {
        let fromChecker = checkerProblem(constant, file: file, line: line)
        XCTAssertFalse(fromChecker.isEmpty, file: file, line: line)
        XCTAssertEqual(interpreterProblem(computed, file: file, line: line), fromChecker, file: file, line: line)
    }

    func testOutOfRangeValuesGetOneMessage() {
        assertSame(constant: "train epochs=0\n", computed: "let e = 1 - 1\ntrain epochs=e\n")
        assertSame(constant: "prune 1.5\n", computed: "let a = 3 / 2\nprune a\n")
    }

    func testWrongTypesGetOneMessageAndCode() {
        assertSame(constant: "seed 1.5\n", computed: "let s = 3 / 2\nseed s\n")
        // A procedure's result has no static type: only its value tells.
        assertSame(constant: "train augment=1\n", computed: "def one() { return 1 }\ntrain augment=(one)\n")
    }

    func testUnknownWordsGetOneMessage() {
        assertSame(constant: "score mip\n", computed: "let m = \"mip\"\nscore m\n")
        assertSame(constant: "train optimizer=\"adm\"\n", computed: "let o = \"adm\"\ntrain optimizer=o\n")
    }

    func testAVariantChosenAtRunTimeHoldsOptionsToTheSameRules() {
        // The method is a variable: only the interpreter knows which options are valid.
        assertSame(constant: "score contribution alpha=0.3\n", computed: "let m = \"contribution\"\nscore m alpha=0.3\n")
        assertSame(constant: "score mipp granularity=weights\n", computed: "let m = \"mipp\"\nscore m granularity=weights\n")
        assertSame(constant: "score mipp granularity=\"weights\"\n", computed: "let g = \"weights\"\nscore mipp granularity=g\n")
        assertSame(constant: "train penalty=l1 shift=2\n", computed: "let p = \"l1\"\ntrain penalty=p shift=2\n")
    }

    func testTheBindingFillsDefaultsOfTheChosenVariant() throws {
        let command = try XCTUnwrap(Parser.parse(SourceFile(name: "t.prn", text: "score mipp samples=64\n")).0.statements.first)
        guard case .command(let score) = command.kind, let signature = Verbs.table["score"] else { return XCTFail() }
        let binding = ArgumentBinding.bind(score, to: signature) { $0.constantWord }
        XCTAssertEqual(binding.variant, "mipp")
        XCTAssertEqual(binding.problems, [])
        XCTAssertEqual(binding.options.first { $0.name == "granularity" }?.defaultValue, .word("neurons"))
        XCTAssertNotNil(binding.options.first { $0.name == "samples" }?.written)
        XCTAssertNil(binding.options.first { $0.name == "granularity" }?.written)
    }

    /// The checker binds every command whose selector word the source shows; the interpreter runs
    /// that binding and binds again only where the word is computed.
    func testTheInterpreterBindsOnlyCommandsTheCheckerCouldNot() {
        let registry = registry
        let text = "score mipp samples=64\nprune 0.5\ntrain epochs=2\nlet m = \"random\"\nscore m\n"
        let checked = Checker.check(SourceFile(name: "t.prn", text: text), verbs: registry.table, context: context)
        XCTAssertEqual(checked.diagnostics.map(\.message), [])
        XCTAssertEqual(checked.bindings.count, 3, "the computed selector of 'score m' is left to the interpreter")
        let interpreter = Interpreter(verbs: registry, output: { _ in })
        XCTAssertEqual(interpreter.run(checked).status, .completed)
        XCTAssertEqual(interpreter.runTimeBindings, 1)
    }

    /// A procedure's commands keep the bindings of the program that defined it, even when a later
    /// program (a later REPL line) calls it.
    func testAProcedureDefinedEarlierRunsWithItsOwnBindings() {
        let registry = registry
        let interpreter = Interpreter(verbs: registry, output: { _ in })
        let first = Checker.check(SourceFile(name: "a.prn", text: "def go(m) {\n  score mipp samples=64\n  score m\n}\n"),
                                  verbs: registry.table, context: context)
        XCTAssertEqual(interpreter.run(first).status, .completed)
        let second = Checker.check(SourceFile(name: "b.prn", text: "go random\n"), verbs: registry.table,
                                   context: first.context)
        XCTAssertEqual(interpreter.run(second).status, .completed)
        XCTAssertEqual(interpreter.runTimeBindings, 1, "only 'score m' is bound at run time")
    }
}

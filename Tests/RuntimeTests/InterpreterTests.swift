import Engine
import Language
import Runtime
import XCTest

final class InterpreterTests: XCTestCase {
    private func run(_ text: String, session: FakeSession = FakeSession(),
                     interpreter: Interpreter? = nil) -> (RunOutcome, CheckedProgram) {
        let registry = session.registry()
        let checked = Checker.check(SourceFile(name: "t.prn", text: text), verbs: registry.table)
        let runner = interpreter ?? Interpreter(verbs: registry, output: { _ in })
        return (runner.run(checked), checked)
    }

    func testStaticErrorsRejectTheRunBeforeAnythingRuns() {
        let session = FakeSession()
        var calls = 0
        session.onCall = { _ in calls += 1 }
        let (outcome, _) = run("seed 1\nprint 1\ntrian\n", session: session)
        XCTAssertEqual(outcome.status, .rejected)
        XCTAssertEqual(outcome.printed, [])
        XCTAssertEqual(calls, 0)
        XCTAssertEqual(outcome.diagnostics.map(\.code), [.unknownVerb])
    }

    func testResultsAndInvocationsCarryDefaultsAndLocations() throws {
        let session = FakeSession()
        var seen: [VerbInvocation] = []
        session.onCall = { seen.append($0) }
        let (outcome, _) = run("seed 7\nload mlp\nscore mipp\nlet r = (prune 0.3)\n", session: session)
        XCTAssertEqual(outcome.status, .completed)
        XCTAssertEqual(seen.first?.arguments, [.number(7)])
        XCTAssertEqual(seen.first?.range.start.line, 1)
        let prune = try XCTUnwrap(outcome.results.last)
        XCTAssertEqual(prune.verb, "prune")
        XCTAssertEqual(prune.range.start.line, 4)
        XCTAssertEqual(prune.value, .record(Record([("sparsity", .number(0.3)), ("scope", .word("global"))])),
                       "the omitted SCOPE is filled with its default")
    }

    func testEchoSeesOptionDefaultsAndGivenOptions() throws {
        let registry = FakeSession().registry()
        var captured: VerbInvocation?
        var spy = VerbRegistry()
        for signature in registry.table.signatures {
            spy.register(signature) { invocation in
                captured = invocation
                return .none
            }
        }
        let checked = Checker.check(SourceFile(name: "t.prn", text: "echo 2 flag=false\n"), verbs: spy.table)
        XCTAssertEqual(Interpreter(verbs: spy, output: { _ in }).run(checked).status, .completed)
        let invocation = try XCTUnwrap(captured)
        XCTAssertEqual(invocation.argument("value"), .number(2))
        XCTAssertEqual(invocation.options, ["mode": .word("fast"), "flag": .bool(false)])
        XCTAssertEqual(invocation.givenOptions, ["flag"])
    }

    func testCancellationStopsBetweenStatements() {
        let session = FakeSession()
        let flag = CancellationFlag()
        session.onCall = { _ in flag.cancel() }
        let registry = session.registry()
        let interpreter = Interpreter(verbs: registry, cancellation: flag, output: { _ in })
        let checked = Checker.check(SourceFile(name: "t.prn", text: "print 1\nseed 1\nprint 2\n"), verbs: registry.table)
        let outcome = interpreter.run(checked)
        XCTAssertEqual(outcome.status, .cancelled)
        XCTAssertEqual(outcome.printed, ["1"])
        XCTAssertEqual(outcome.diagnostics.map(\.code), [.cancelled])
        XCTAssertEqual(outcome.diagnostics.first?.range.start.line, 3)
    }

    func testStateCarriesAcrossRunsLikeAREPL() {
        let registry = FakeSession().registry()
        var lines: [String] = []
        let interpreter = Interpreter(verbs: registry, output: { lines.append($0) })
        interpreter.define("base", .number(2))
        var context = CheckContext(variables: interpreter.variables.mapValues(\.staticType))
        for line in ["let x = base * 3", "def twice(v) { return v * 2 }", "print (twice x)"] {
            let checked = Checker.check(SourceFile(name: "<repl>", text: line), verbs: registry.table, context: context)
            XCTAssertEqual(checked.diagnostics.map(\.message), [])
            XCTAssertEqual(interpreter.run(checked).status, .completed)
            context = checked.context
        }
        XCTAssertEqual(lines, ["12"])
        XCTAssertEqual(interpreter.variables["x"], .number(6))
    }

    func testRuntimeErrorInsideAProcedureNamesTheCallSite() {
        let (outcome, checked) = run("def f(a) {\n  print a + 1\n}\nf \"x\"\n")
        XCTAssertEqual(outcome.status, .failed)
        let text = DiagnosticRenderer(sources: checked.sources).render(outcome.diagnostics)
        XCTAssertEqual(text, """
            t.prn:2:9: error[E502]: '+' needs two numbers, two strings or two lists, found a string and a number
                2 |   print a + 1
                  |         ^~~~~
                  = note: in 'f' called here (t.prn:4:1)

            """)
    }

    func testHandlerErrorsOtherThanVerbErrorBecomeDiagnostics() {
        struct Boom: Error {}
        var registry = VerbRegistry()
        registry.register(VerbSignature("boom", summary: "fails")) { _ in throw Boom() }
        let checked = Checker.check(SourceFile(name: "t.prn", text: "boom\n"), verbs: registry.table)
        let outcome = Interpreter(verbs: registry, output: { _ in }).run(checked)
        XCTAssertEqual(outcome.diagnostics.map(\.code), [.verbFailed])
        XCTAssertTrue(outcome.diagnostics[0].message.hasPrefix("'boom' failed: "))
    }

    func testValueDisplay() {
        XCTAssertEqual(Value.number(3).display, "3")
        XCTAssertEqual(Value.number(-0.25).display, "-0.25")
        XCTAssertEqual(Value.string("a\"b").literal, #""a\"b""#)
        XCTAssertEqual(Value.list([.string("s"), .word("w"), .none]).display, #"["s", w, none]"#)
        XCTAssertTrue(Value.word("mipp").languageEquals(.string("mipp")))
        XCTAssertFalse(Value.number(1).languageEquals(.string("1")))
    }
}

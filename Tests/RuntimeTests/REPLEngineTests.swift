import Foundation
import Language
import XCTest
@testable import Runtime

/// The REPL's session logic without a terminal: state across entries, errors rendered as in
/// scripts, the `:save` recipe and the meta-command parser.
final class REPLEngineTests: XCTestCase {
    var printed: [String] = []
    var errors = ""

    func makeEngine(sets: [(String, String)] = [], allow: [String] = []) throws -> REPLEngine {
        var configuration = REPLEngine.Configuration()
        configuration.sets = sets
        configuration.allow = allow
        return try REPLEngine(configuration: configuration, output: { self.printed.append($0) },
                              errors: { self.errors += $0 })
    }

    func testVariablesAndProceduresPersistAcrossEntries() throws {
        let engine = try makeEngine()
        XCTAssertEqual(engine.evaluate("let x = 2"), .completed)
        XCTAssertEqual(engine.evaluate("def twice(v) {\n  return v * 2\n}"), .completed)
        XCTAssertEqual(engine.evaluate("print (twice x) + 1"), .completed)
        XCTAssertEqual(printed, ["5"])
        XCTAssertEqual(errors, "")
    }

    /// A model defined in one entry is built by a `load` in a later one, also after an entry
    /// that failed while running.
    func testModelDefinitionsPersistAcrossEntries() throws {
        let engine = try makeEngine()
        XCTAssertEqual(engine.evaluate("model m(w=2) {\n  conv w 3\n  flatten\n  dense 4\n}"), .completed)
        XCTAssertEqual(engine.evaluate("load m w=3 data=synthetic"), .completed)
        XCTAssertEqual(engine.evaluate("model big { conv 5 3; flatten; dense 4 }\nassert false"), .failed)
        XCTAssertEqual(engine.evaluate("load big"), .completed)
        // A definition after the failure never ran: the next entry's checker does not see it.
        XCTAssertEqual(engine.evaluate("assert false\nmodel late { flatten; dense 4 }"), .failed)
        XCTAssertEqual(engine.evaluate("load late"), .rejected)
        XCTAssertEqual(engine.evaluate("load m ww=3"), .rejected)
    }

    func testErrorsAreRenderedWithTheEntryNameAndTheSessionContinues() throws {
        let engine = try makeEngine()
        engine.evaluate("let x = 1")
        XCTAssertEqual(engine.evaluate("print y"), .rejected)
        XCTAssertTrue(errors.contains("<repl:2>:1:7: error[E204]:"), errors)
        XCTAssertEqual(engine.evaluate("print x"), .completed)
        XCTAssertEqual(printed, ["1"])
    }

    func testRecipeKeepsSuccessfulStatementsInOrder() throws {
        let engine = try makeEngine(sets: [("base", "0.5")])
        engine.evaluate("let a = base * 2")
        engine.evaluate("prune 0.5")                           // static error: no scores
        engine.evaluate("print a\nassert a > 5 \"too small\"\nprint 99")  // fails at the assert
        engine.evaluate("print a + 1")
        XCTAssertEqual(engine.recipe, ["let a = base * 2", "print a", "print a + 1"])
        XCTAssertEqual(engine.leftOut, 2)
        let text = engine.recipeText()
        XCTAssertTrue(text.contains("let base = 0.5\nseed 0\nlet a = base * 2\nprint a\nprint a + 1\n"), text)
        XCTAssertEqual(printed, ["1", "2"])
    }

    func testVariablesBoundBeforeARuntimeFailureStayUsable() throws {
        let engine = try makeEngine()
        XCTAssertEqual(engine.evaluate("let y = 4\nassert false \"stop\"\nlet z = 1"), .failed)
        XCTAssertEqual(engine.evaluate("print y"), .completed)
        XCTAssertEqual(engine.evaluate("print z"), .rejected, "z never got a value, so the checker reports it")
        XCTAssertEqual(printed, ["4"])
    }

    /// The model's norm the checker read from one entry holds for the next; after a failed entry
    /// it is unknown, since the `load` that failed did not replace the model.
    func testTheLoadedModelsNormCarriesAcrossEntriesUntilARunFails() throws {
        let engine = try makeEngine()
        XCTAssertEqual(engine.evaluate("load vgg-small data=synthetic"), .completed)
        XCTAssertEqual(engine.evaluate("score receding"), .rejected)
        XCTAssertTrue(errors.contains("load it with: load vgg-small norm=sigmoid"), errors)
        XCTAssertEqual(engine.evaluate("load vgg-small norm=sigmoid"), .completed)
        XCTAssertEqual(engine.evaluate("load vgg-small data=\"no-such-folder\""), .failed)
        errors = ""
        XCTAssertEqual(engine.evaluate("score receding"), .completed, errors)
    }

    func testSavedRecipeRunsAsAScript() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("prn-recipe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let engine = try makeEngine(allow: [folder.path])
        engine.evaluate("seed 4")
        engine.evaluate("for i in [1, 2] {\n  print i * 10\n}")
        let url = try engine.saveRecipe(to: folder.appendingPathComponent("r.prn").path)
        let text = try String(contentsOf: url, encoding: .utf8)
        XCTAssertFalse(text.contains("seed 0"), "the session's own seed command comes first")
        var runner = ScriptRunner()
        var output: [String] = []
        runner.output = { output.append($0) }
        runner.errors = { XCTFail($0) }
        XCTAssertEqual(runner.run(url.path), PrnExit.success)
        XCTAssertEqual(output, ["10", "20"])
        XCTAssertEqual(printed, ["10", "20"])
    }

    func testResetForgetsEverythingButTheCommandLineVariables() throws {
        let engine = try makeEngine(sets: [("n", "3")])
        engine.evaluate("let x = 1")
        engine.reset()
        XCTAssertEqual(engine.evaluate("print x"), .rejected)
        XCTAssertEqual(engine.evaluate("print n"), .completed)
        XCTAssertEqual(engine.recipe, ["print n"])
    }

    func testCommandsAreRecordedInTheSessionHistory() throws {
        let engine = try makeEngine()
        engine.evaluate("seed 7")
        XCTAssertEqual(engine.session.history, ["seed 7"])
        XCTAssertTrue(engine.summary().contains("seed: 7"), engine.summary())
    }

    func testMetaCommandParsing() {
        XCTAssertEqual(try MetaCommand.parse(":help").get(), .help(nil))
        XCTAssertEqual(try MetaCommand.parse(":help prune").get(), .help("prune"))
        XCTAssertEqual(try MetaCommand.parse(":save \"out dir/r.prn\"").get(), .save("out dir/r.prn"))
        XCTAssertEqual(try MetaCommand.parse(" :load r.prn ").get(), .load("r.prn"))
        XCTAssertEqual(try MetaCommand.parse(":q").get(), .quit)
        guard case .failure(let missing) = MetaCommand.parse(":save") else { return XCTFail() }
        XCTAssertEqual(missing.message, ":save needs a file name, e.g. ':save recipe.prn'")
        guard case .failure(let typo) = MetaCommand.parse(":hist") else { return XCTFail() }
        XCTAssertTrue(typo.message.contains("did you mean ':history'"), typo.message)
        guard case .failure(let extra) = MetaCommand.parse(":reset now") else { return XCTFail() }
        XCTAssertEqual(extra.message, ":reset takes no argument")
    }

    func testHelpTexts() {
        let overview = MetaCommand.overview(verbs: Verbs.table)
        for verb in Verbs.table.names { XCTAssertTrue(overview.contains("  \(verb) "), verb) }
        XCTAssertTrue(overview.contains(":save FILE"))
        XCTAssertEqual(try MetaCommand.help(for: "prune", verbs: Verbs.table).get(), Verbs.table["prune"]?.helpText())
        guard case .failure(let e) = MetaCommand.help(for: "prnue", verbs: Verbs.table) else { return XCTFail() }
        XCTAssertTrue(e.message.contains("did you mean 'prune'"), e.message)
    }
}

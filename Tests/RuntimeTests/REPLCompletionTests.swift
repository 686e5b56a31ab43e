import Foundation
import Language
import XCTest
@testable import Runtime

/// Tab completion as a pure function of the line, the cursor and the session's names.
final class REPLCompletionTests: XCTestCase {
    func context(variables: [String] = ["ratio", "rate"], procedures: [String: [String]] = ["sweep": ["amount", "method"]],
                 files: [String: [(String, Bool)]] = [:]) -> CompletionContext {
        CompletionContext(verbs: Verbs.table, variables: variables, procedures: procedures,
                          metaCommands: MetaCommand.names,
                          listDirectory: { folder in (files[folder] ?? []).map { (name: $0.0, isDirectory: $0.1) } })
    }

    func complete(_ line: String, _ c: CompletionContext? = nil) -> CompletionResult {
        Completion.complete(line: line, cursor: line.utf8.count, context: c ?? context())
    }

    func texts(_ r: CompletionResult) -> [String] { r.candidates.map(\.text) }

    func testVerbAtStatementStart() {
        let r = complete("tra")
        XCTAssertEqual(texts(r), ["train"])
        XCTAssertEqual(r.insertion, "in ")
        XCTAssertEqual(r.start, 0)
    }

    func testVerbsKeywordsAndProceduresShareAPrefix() {
        XCTAssertEqual(texts(complete("p")), ["print", "prune"])
        XCTAssertEqual(texts(complete("sw")), ["sweep"])
        XCTAssertEqual(texts(complete("let x = 1; sh")), ["show"])
        XCTAssertEqual(texts(complete("for m in [1, 2] { ev")), ["eval"])
    }

    func testMethodNameAsPositionalArgument() {
        let r = complete("score mi")
        XCTAssertEqual(texts(r), ["mipp"])
        XCTAssertEqual(r.insertion, "pp ")
        XCTAssertEqual(r.start, 6)
    }

    func testOptionNamesAfterAVerbSkipThoseGiven() {
        let r = complete("train ep")
        XCTAssertEqual(texts(r), ["epochs="])
        XCTAssertEqual(r.insertion, "ochs=", "an option name is followed by its value, not a space")
        XCTAssertFalse(texts(complete("train epochs=3 ")).contains("epochs="))
        XCTAssertTrue(texts(complete("train epochs=3 ")).contains("lr="))
    }

    func testOptionValuesForChoiceTypes() {
        XCTAssertEqual(texts(complete("load mlp data=fash")), ["fashion-mnist"])
        XCTAssertTrue(texts(complete("train optimizer=")).contains("sgd"))
    }

    func testSecondPositionalArgumentIsTheScope() {
        let all = texts(complete("prune 0.5 "))
        XCTAssertTrue(all.contains("global") && all.contains("local"), "\(all)")
        XCTAssertEqual(texts(complete("prune ratio gl")), ["global"])
    }

    func testVariablesInArgumentsAndExpressions() {
        XCTAssertEqual(texts(complete("prune ra")), ["rate", "ratio"])
        XCTAssertEqual(complete("prune ra").insertion, "t", "the longest shared prefix")
        XCTAssertEqual(texts(complete("print rat")), ["rate", "ratio"])
        XCTAssertEqual(texts(complete("let y = (ev")), ["eval"])
    }

    func testProcedureParametersAsOptions() {
        XCTAssertEqual(texts(complete("sweep 0.5 me")), ["method="])
    }

    func testPathsInsideStrings() {
        let c = context(files: [".": [("recipes", true), ("run.prn", false), (".hidden", false)],
                                "recipes/": [("a.prn", false), ("b.prn", false)]])
        let top = complete("load \"r", c)
        XCTAssertEqual(texts(top), ["recipes/", "run.prn"])
        XCTAssertEqual(complete("load \"ru", c).insertion, "n.prn\"", "a file closes the string")
        XCTAssertEqual(complete("load \"rec", c).insertion, "ipes/", "a folder stays open")
        XCTAssertEqual(texts(complete("import \"recipes/", c)), ["recipes/a.prn", "recipes/b.prn"])
        XCTAssertEqual(complete("import \"recipes/", c).candidates.map(\.display), ["a.prn", "b.prn"])
        XCTAssertFalse(texts(complete("load \"", c)).contains(".hidden"))
    }

    func testMetaCommandsAndTheirArguments() {
        XCTAssertEqual(texts(complete(":sa")), [":save"])
        XCTAssertEqual(texts(complete(":help pr")), ["prune"])
        let c = context(files: [".": [("recipe.prn", false)]])
        XCTAssertEqual(texts(complete(":load re", c)), ["recipe.prn"])
    }

    func testNothingInsideComments() {
        XCTAssertTrue(complete("train # tra").candidates.isEmpty)
    }

    func testCursorInTheMiddleOfTheLine() {
        let line = "tra epochs=3"
        let r = Completion.complete(line: line, cursor: 3, context: context())
        XCTAssertEqual(texts(r), ["train"])
    }

    func testContinuationWhileBlocksAreOpen() {
        XCTAssertTrue(InputCompleteness.needsMoreInput("for x in [1, 2] {"))
        XCTAssertTrue(InputCompleteness.needsMoreInput("def f(a) {\n  print a"))
        XCTAssertTrue(InputCompleteness.needsMoreInput("let xs = [1,"))
        XCTAssertFalse(InputCompleteness.needsMoreInput("def f(a) {\n  print a\n}"))
        XCTAssertFalse(InputCompleteness.needsMoreInput("print \"{\""), "braces inside strings do not count")
        XCTAssertFalse(InputCompleteness.needsMoreInput("print 1 # {"), "nor inside comments")
        XCTAssertFalse(InputCompleteness.needsMoreInput("print \"open"), "an unterminated string is an error, not a continuation")
        XCTAssertFalse(InputCompleteness.needsMoreInput("}"), "a stray closing brace is left to the checker")
    }
}

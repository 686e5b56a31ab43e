import Engine
import Language
import Pruning
import Runtime
import XCTest

/// A method or penalty that reads normalisation layers the script's model is known not to have
/// (`load` with a constant zoo name and norm) is a check error, with the `load` that fixes it,
/// instead of a failure when the command runs (after any training before it).
final class ModelNeedCheckTests: XCTestCase {
    private func diagnostics(_ text: String) -> [Diagnostic] {
        Checker.check(SourceFile(name: "t.prn", text: text), verbs: Verbs.table).diagnostics
    }

    /// "code@line:column" of each diagnostic.
    private func places(_ text: String) -> [String] {
        diagnostics(text).map { "\($0.code.id)@\($0.range.start.line):\($0.range.start.column)" }
    }

    func testRecedingAfterAModelWithOrdinaryBatchNormIsACheckError() throws {
        let found = diagnostics("load vgg-small data=synthetic\ntrain epochs=1\nscore receding\n")
        XCTAssertEqual(found.map { "\($0.code.id)@\($0.range.start.line):\($0.range.start.column)" }, ["E406@3:7"])
        let d = try XCTUnwrap(found.first)
        XCTAssertEqual(d.message, "'score receding' needs norm=sigmoid (it reads the gates of sigmoid batch norms), but the model from line 1 has norm=bn")
        XCTAssertEqual(d.help, "load it with: load vgg-small norm=sigmoid")
        XCTAssertEqual(d.notes.first?.range?.start.line, 1)
    }

    func testSlimmingAfterAModelWithoutBatchNormIsACheckError() throws {
        let found = diagnostics("load lenet300 data=mnist\nscore slimming granularity=neurons\n")
        XCTAssertEqual(found.map(\.code.id), ["E406"])
        XCTAssertEqual(found.first?.help, "load it with: load lenet300 norm=bn")
        XCTAssertEqual(places("load vgg-small norm=sigmoid data=synthetic\nscore slimming\n"), ["E406@2:7"])
    }

    func testPenaltiesNeedTheirLayersToo() {
        XCTAssertEqual(places("load lenet300 data=mnist\ntrain penalty=l1\n"), ["E406@2:15"])
        XCTAssertEqual(places("load resnet20 data=synthetic\ntrain penalty=receding\n"), ["E406@2:15"])
        XCTAssertEqual(places("load resnet20 data=synthetic norm=sigmoid\ntrain penalty=receding\n"), [])
    }

    func testModelsThatHaveTheLayersPass() {
        XCTAssertEqual(places("load vgg-small norm=sigmoid data=synthetic\nscore receding\n"), [])
        XCTAssertEqual(places("load lenet300 norm=bn data=mnist\nscore slimming granularity=neurons\n"), [])
        XCTAssertEqual(places("load vgg11 data=synthetic\nscore slimming\ntrain penalty=l1\n"), [])
    }

    /// What the checker cannot know is left to the verb when it runs.
    func testAModelTheCheckerCannotSeeIsLeftToTheRun() {
        XCTAssertEqual(places("let m = \"vgg-small\"\nload m data=synthetic\nscore receding\n"), [])
        XCTAssertEqual(places("load \"model.safetensors\"\nscore receding\n"), [])
        XCTAssertEqual(places("let n = \"bn\"\nload vgg-small norm=n data=synthetic\nscore receding\n"), [])
        XCTAssertEqual(places("load vgg-small data=synthetic\nrestore before\nscore receding\n").filter { $0.hasPrefix("E406") }, [])
        // Either branch may have run.
        XCTAssertEqual(places("load vgg-small norm=sigmoid data=synthetic\nif true { load vgg-small }\nscore receding\n"), [])
        // The loop's body may have loaded another model on an earlier pass.
        XCTAssertEqual(places("load vgg-small data=synthetic\nfor i in [1, 2] {\n  score receding\n  load vgg-small norm=sigmoid\n}\n"), [])
        // A procedure's body does not know its caller's model; a call of one that loads forgets it.
        XCTAssertEqual(places("def f() { score receding }\nload vgg-small data=synthetic\nf\n"), [])
        XCTAssertEqual(places("def g() { load vgg-small norm=sigmoid }\nload vgg-small data=synthetic\ng\nscore receding\n"), [])
    }

    func testTheLatestLoadCounts() {
        XCTAssertEqual(places("load vgg-small data=synthetic\nload vgg-small norm=sigmoid\nscore receding\n"), [])
        XCTAssertEqual(places("load vgg-small norm=sigmoid data=synthetic\nif true { print 1 }\nload vgg16\nscore receding\n"), ["E406@4:7"])
    }

    func testTheCatalogSaysWhatEachMethodNeeds() {
        XCTAssertEqual(MethodCatalog.scoring("receding")?.needs?.norms, [.sigmoid])
        XCTAssertEqual(MethodCatalog.scoring("slimming")?.needs?.norms, [.bn])
        XCTAssertNil(MethodCatalog.scoring("magnitude")?.needs)
        XCTAssertEqual(MethodCatalog.penalty("l1")?.needs?.norms, [.bn])
    }
}

import Foundation
import Language
@testable import Engine
@testable import Runtime
import XCTest

/// `train` and `finetune` take the options a script leaves out from the loaded model's recipe,
/// say which recipe values they used, and record every resolved option in the run log; `:help
/// train` in the REPL shows the recipe of the model loaded.
final class TrainingRecipeTests: XCTestCase {
    /// MNIST-shaped synthetic data, so LeNet-5 builds without the MNIST files.
    static func imageData() throws -> DataBundle {
        let options = SyntheticData.Options(trainCount: 128, testCount: 32, classes: 4, sampleShape: [1, 28, 28])
        let (train, test) = try SyntheticData.make(options, seed: 0)
        return DataBundle(name: "synthetic", train: train, test: test, val: nil, source: "generated", identity: "test")
    }

    /// Runs `script` on a session holding the image data; returns the session and what it said.
    func run(_ script: String, quiet: Bool = false) throws -> (Session, [String]) {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("prn-recipe-\(UUID())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let paths = PathPolicy(base: work, roots: [work])
        var said: [String] = []
        let session = Session(paths: paths, output: { said.append($0) })
        session.dataState = DataState(bundle: try Self.imageData(), description: "synthetic")
        session.quiet = quiet
        let checked = Checker.check(SourceFile(name: "recipe.prn", text: script), verbs: Verbs.table,
                                    resolver: FileImportResolver(paths: paths), context: CheckContext(facts: ["data"]))
        let outcome = Interpreter(verbs: Verbs.registry(for: session), output: { _ in }).run(checked)
        XCTAssertEqual(outcome.status, .completed, "\(outcome.diagnostics.map(\.message))")
        return (session, said)
    }

    /// The resolved options of the `verb` event in the run log.
    func options(_ session: Session, _ verb: String) -> [String: RunLogEvent.OptionValue] {
        for record in session.runLog.events.reversed() {
            switch (verb, record.event) {
            case ("train", .train(.completed(let t))), ("finetune", .finetune(.completed(let t))): return t.options ?? [:]
            default: continue
            }
        }
        return [:]
    }

    func testTrainWithoutOptionsUsesTheLeNet5Recipe() throws {
        let (session, said) = try run("load lenet5\ntrain epochs=1\n")
        let o = options(session, "train")
        XCTAssertEqual(o["lr"], .number(0.05))
        XCTAssertEqual(o["batch"], .number(64))
        XCTAssertEqual(o["wd"], .number(5e-4))
        XCTAssertEqual(o["momentum"], .number(0.9))
        XCTAssertEqual(o["nesterov"], .flag(false))
        XCTAssertEqual(o["schedule"], .text("cosine"))
        XCTAssertEqual(o["epochs"], .number(1))
        XCTAssertTrue(said.contains("train: lenet5 recipe: lr 0.05, momentum 0.9, nesterov false, batch 64, wd 5e-4, schedule cosine"),
                      "\(said)")
    }

    func testAWrittenOptionWinsOverTheRecipe() throws {
        let (session, said) = try run("load lenet5\ntrain epochs=1 lr=0.2 batch=32 schedule=const\n")
        let o = options(session, "train")
        XCTAssertEqual(o["lr"], .number(0.2))
        XCTAssertEqual(o["batch"], .number(32))
        XCTAssertEqual(o["schedule"], .text("const"))
        XCTAssertEqual(o["wd"], .number(5e-4), "what the script left out still comes from the recipe")
        XCTAssertTrue(said.contains("train: lenet5 recipe: momentum 0.9, nesterov false, wd 5e-4"), "\(said)")
    }

    func testNothingIsSaidWhenTheScriptWritesEveryRecipeOption() throws {
        let (session, said) = try run("load lenet5\ntrain epochs=1 lr=0.1 momentum=0.5 nesterov=true batch=32 wd=0 schedule=step\n")
        XCTAssertFalse(said.contains { $0.contains("recipe") }, "\(said)")
        let o = options(session, "train")
        XCTAssertEqual(o["momentum"], .number(0.5))
        XCTAssertEqual(o["nesterov"], .flag(true))
        XCTAssertEqual(o["schedule"], .text("step"))
    }

    func testQuietSessionsDoNotPrintTheRecipeLine() throws {
        let (_, quiet) = try run("load lenet5\ntrain epochs=1\n", quiet: true)
        XCTAssertEqual(quiet, [])
        let (_, normal) = try run("load lenet5\ntrain epochs=1\n")
        XCTAssertTrue(normal.contains { $0.hasPrefix("train: lenet5 recipe: ") }, "\(normal)")
    }

    func testFinetuneUsesTheRecipesFinetuneLearningRate() throws {
        let (session, said) = try run("""
            load lenet5
            train epochs=1
            score magnitude granularity=weights
            prune 0.5 global latency=false
            finetune epochs=1

            """)
        let o = options(session, "finetune")
        XCTAssertEqual(o["lr"], .number(0.005))
        XCTAssertEqual(o["batch"], .number(64))
        XCTAssertEqual(o["schedule"], .text("cosine"))
        XCTAssertEqual(o["epochs"], .number(1))
        XCTAssertTrue(said.contains { $0.hasPrefix("finetune: lenet5 recipe: lr 0.005,") }, "\(said)")
    }

    func testAModelOutsideTheZooTrainsWithTheGenericDefaults() throws {
        let (session, _) = try run("load lenet5\n")
        session.model?.architecture = "custom"
        XCTAssertEqual(session.recipe, TrainingRecipe.generic)
        XCTAssertEqual(Zoo.recipe(for: "onnx"), TrainingRecipe.generic)
        XCTAssertEqual(Zoo.recipe(for: "lenet5").learningRate, 0.05)
        XCTAssertEqual(Zoo.recipe(for: "lenet300").schedule, .cosine(minimum: 0))
        XCTAssertEqual(Zoo.recipe(for: "resnet20").weightDecay, 1e-4)
        XCTAssertEqual(Zoo.recipe(for: "vgg16").weightDecay, 5e-4)
    }

    func testREPLHelpShowsTheLoadedModelsRecipe() throws {
        let engine = try REPLEngine(output: { _ in }, errors: { _ in })
        let before = try engine.help(for: "train").get()
        XCTAssertTrue(before.contains("the loaded model's recipe"), before)
        XCTAssertTrue(before.contains("generic recipe: lr 0.1, momentum 0.9, nesterov false, batch 128, wd 0, schedule const"), before)
        engine.session.dataState = DataState(bundle: try Self.imageData(), description: "synthetic")
        XCTAssertEqual(engine.evaluate("load lenet5"), .completed)
        let train = try engine.help(for: "train").get()
        XCTAssertTrue(train.hasPrefix("train — "), train)
        XCTAssertTrue(train.contains("recipe for lenet5: lr 0.05, momentum 0.9, nesterov false, batch 64, wd 5e-4, schedule cosine"), train)
        let finetune = try engine.help(for: "finetune").get()
        XCTAssertTrue(finetune.contains("recipe for lenet5: lr 0.005,"), finetune)
        let eval = try engine.help(for: "eval").get()
        XCTAssertFalse(eval.contains("recipe"), eval)
    }

    func testRecipeOptionsSayWhereTheirDefaultComesFrom() {
        for verb in ["train", "finetune"] {
            for name in ["lr", "momentum", "nesterov", "batch", "wd", "schedule"] {
                let option = Verbs.table[verb]?.options.first { $0.name == name }
                XCTAssertNil(option?.defaultValue, "\(verb) \(name)")
                XCTAssertTrue(option?.help.contains("(default: the model's recipe)") ?? false, "\(verb) \(name)")
            }
        }
    }
}

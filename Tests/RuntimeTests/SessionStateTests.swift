import Engine
import Foundation
import Language
import Pruning
@testable import Runtime
import XCTest

/// The session's state moves in named parts: `load` replaces the whole model part,
/// `checkpoint`/`restore` copy it and put it back whole, so no field of one model (its scores,
/// its pruning report, its variant, its dense size) outlives it or goes missing on restore.
final class SessionStateTests: XCTestCase {
    static let load = "load mlp data=synthetic hidden=[12] subset=128 norm=bn"

    /// Runs `script` on a fresh session (or `session`) and returns the session.
    @discardableResult
    func run(_ script: String, on session: Session? = nil) throws -> Session {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("prn-state-\(UUID())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let paths = PathPolicy(base: work, roots: [work])
        let s = session ?? Session(paths: paths, output: { _ in })
        s.quiet = true
        var context = CheckContext()
        if s.model != nil { context.facts.insert("model") }
        if s.data != nil { context.facts.insert("data") }
        if s.modelState?.scores != nil { context.facts.insert("scores") }
        let checked = Checker.check(SourceFile(name: "state.prn", text: script), verbs: Verbs.table,
                                    resolver: FileImportResolver(paths: paths), context: context)
        XCTAssertFalse(checked.hasErrors, "\(checked.diagnostics.map(\.message))")
        let outcome = Interpreter(verbs: Verbs.registry(for: s), output: { _ in }).run(checked)
        XCTAssertEqual(outcome.status, .completed, "\(outcome.diagnostics.map(\.message))")
        return s
    }

    func testRestoreAfterPruneBringsBackTheWholeModelPartAsCheckpointed() throws {
        let s = try run("\(Self.load)\ncheckpoint dense\nscore magnitude granularity=neurons\nprune 0.5\n")
        let loaded = try XCTUnwrap(s.checkpoints["dense"])
        let pruned = try XCTUnwrap(s.modelState)
        XCTAssertNotNil(pruned.lastPruning)
        XCTAssertNotEqual(try ModelMeasurement.measure(pruned.model).parameters, loaded.dense?.parameters,
                          "structured pruning made the model smaller")

        try run("restore dense\n", on: s)
        let restored = try XCTUnwrap(s.modelState)
        XCTAssertNil(restored.lastPruning, "a checkpoint taken before pruning has no pruning report")
        XCTAssertNil(restored.scores, "a checkpoint taken before scoring has no scores")
        XCTAssertEqual(restored.dense, loaded.dense)
        XCTAssertEqual(restored.dense?.parameters, try ModelMeasurement.measure(restored.model).parameters,
                       "the weights and shapes are those of the dense model")
        XCTAssertEqual(restored.variant, "norm=bn")
        XCTAssertEqual(restored.description, "mlp")
        XCTAssertFalse(restored.model === pruned.model)
    }

    func testRestoreBringsBackTheScoresTakenBeforeTheCheckpoint() throws {
        let s = try run("\(Self.load)\nscore magnitude\ncheckpoint scored\nprune 0.5\nscore random\n")
        XCTAssertEqual(s.modelState?.scores?.scores.method, "random")
        try run("restore scored\n", on: s)
        XCTAssertEqual(s.modelState?.scores?.scores.method, "magnitude")
        XCTAssertEqual(s.modelState?.scores?.request.method, "magnitude")
        XCTAssertNil(s.modelState?.lastPruning)
        // The scores fit the restored model: pruning with them works.
        try run("prune 0.5\n", on: s)
        XCTAssertNotNil(s.modelState?.lastPruning)
    }

    func testACheckpointStaysAsItWasAfterItIsRestoredAndChanged() throws {
        let s = try run("\(Self.load)\ncheckpoint dense\nrestore dense\nscore magnitude\nprune 0.9\n")
        let sparse = try ModelMeasurement.measure(XCTUnwrap(s.model)).nonZeroParameters
        try run("restore dense\n", on: s)
        let dense = try ModelMeasurement.measure(XCTUnwrap(s.model)).nonZeroParameters
        XCTAssertGreaterThan(dense, sparse, "pruning the restored model did not prune the checkpoint")
        XCTAssertNil(s.modelState?.lastPruning)
    }

    func testLoadAfterPruneLeavesNothingOfThePreviousModel() throws {
        let s = try run("\(Self.load)\nscore magnitude\nprune 0.5\nload mlp data=synthetic hidden=[8] subset=128\n")
        let state = try XCTUnwrap(s.modelState)
        XCTAssertNil(state.lastPruning)
        XCTAssertNil(state.scores)
        XCTAssertEqual(state.variant, "", "the new model has mlp's default norm")
        XCTAssertEqual(state.dense, try ModelMeasurement.measure(state.model), "the dense size is the new model's")
    }

    /// Every field of the model part survives checkpoint and restore; a field added to ModelState
    /// must be added here too (the count below fails until it is).
    func testCheckpointCopiesEveryFieldOfTheModelPart() throws {
        let s = try run("\(Self.load)\nscore magnitude\nprune 0.5\n")
        s.modelState?.description = "described"
        s.modelState?.variant = "penalty=pat"
        let before = try XCTUnwrap(s.modelState)
        XCTAssertEqual(Mirror(reflecting: before).children.count, 6, "ModelState gained a field this test does not check")
        try run("checkpoint all\nload mlp data=synthetic hidden=[8] subset=128\nrestore all\n", on: s)
        let after = try XCTUnwrap(s.modelState)
        XCTAssertEqual(try ModelMeasurement.measure(after.model), try ModelMeasurement.measure(before.model))
        XCTAssertEqual(after.description, before.description)
        XCTAssertEqual(after.variant, before.variant)
        XCTAssertEqual(after.dense, before.dense)
        XCTAssertEqual(after.lastPruning, before.lastPruning)
        XCTAssertEqual(after.scores?.scores, before.scores?.scores)
        XCTAssertEqual(after.scores?.request.method, before.scores?.request.method)
    }

    /// The session holds its state only in named parts: a loose field beside them (a model's
    /// scores kept on the session) is what checkpoint and load used to have to copy by hand.
    func testTheSessionKeepsItsStateInNamedParts() {
        let session = Session(paths: PathPolicy(base: FileManager.default.temporaryDirectory, roots: []))
        let fields = Set(Mirror(reflecting: session).children.compactMap(\.label))
        XCTAssertEqual(fields, ["seed", "modelState", "dataState", "checkpoints", "runLog", "streamCounters", "history",
                                "paths", "verbosity", "scriptName", "cancellation", "output", "progress", "configuration"])
    }

    /// The engine settings are the session's, handed to every model it loads or restores, not
    /// a process-wide switch: a session set to dense-only, direct-free, one-thread inference keeps it.
    func testModelsTakeTheSessionsEngineConfiguration() throws {
        let s = Session(paths: PathPolicy(base: FileManager.default.temporaryDirectory, roots: []), output: { _ in })
        let wanted = EngineConfiguration(threads: 1, sparseInference: .off, directConvolution: false)
        s.configuration = wanted
        try run("\(Self.load)\ncheckpoint dense\nscore magnitude granularity=neurons\nprune 0.5\n", on: s)
        XCTAssertEqual(s.model?.configuration, wanted)
        try run("restore dense\n", on: s)
        XCTAssertEqual(s.model?.configuration, wanted)
        XCTAssertNotEqual(wanted, EngineConfiguration.standard, "the test needs a configuration other than the standard one")
    }
}

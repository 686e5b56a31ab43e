import Foundation
import Language
@testable import Runtime
import XCTest

/// A model trained with a penalty (or built with a non-default norm) keeps saying so: in the
/// session, in its saved file, across checkpoint/restore, and in the report's experiment name, so
/// a PAT-trained model never shares a table or dense reference with a plainly trained one.
final class ModelVariantTests: XCTestCase {
    static let script = """
        seed 0
        load mlp data=synthetic hidden=[12] subset=128
        train epochs=1 batch=64
        eval
        train epochs=1 batch=64 penalty=pat
        eval
        save "pat.safetensors"
        checkpoint trained
        load mlp data=synthetic hidden=[12] subset=128 norm=none
        load "pat.safetensors"
        eval
        load mlp data=synthetic hidden=[12] subset=128 norm=bn
        restore trained

        """

    func testVariantFollowsTheModelThroughSaveLoadCheckpointAndReport() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("prn-variant-\(UUID())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let paths = PathPolicy(base: work, roots: [work])
        let session = Session(paths: paths, output: { _ in })
        session.quiet = true
        let checked = Checker.check(SourceFile(name: "variant.prn", text: Self.script), verbs: Verbs.table,
                                    resolver: FileImportResolver(paths: paths))
        let outcome = Interpreter(verbs: Verbs.registry(for: session), output: { _ in }).run(checked)
        XCTAssertEqual(outcome.status, .completed, "\(outcome.diagnostics.map(\.message))")
        XCTAssertEqual(session.modelState?.variant, "penalty=pat", "restore brings back the checkpoint's variant")

        let loads = session.runLog.events.compactMap { record -> String?? in
            if case .load(let l) = record.event { return l.variant } else { return nil }
        }
        XCTAssertEqual(loads, ["", "", "penalty=pat", "norm=bn"],
                       "norm=none is mlp's default; the saved file remembers its training; norm=bn is not mlp's default")

        let input = RunExtraction.extract(session.runLog.events, source: ReportSource(path: "-", recipe: "variant.prn", recipeHash: "",
                                                                               prnVersion: "", started: "", threads: nil))
        XCTAssertEqual(input.dense.map(\.model), ["mlp", "mlp penalty=pat", "mlp penalty=pat"])
    }
}

import Foundation
import Language
@testable import Runtime
import XCTest

/// Run logs are committed and read on other machines: a `save` or `export` records the path the
/// script wrote, not where it resolved on the machine that ran it.
final class LoggedPathTests: XCTestCase {
    func testSaveAndExportLogThePathAsWritten() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("prn-logged-path-\(UUID())")
        try FileManager.default.createDirectory(at: work.appendingPathComponent("models"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let paths = PathPolicy(base: work, roots: [work])
        let session = Session(paths: paths, output: { _ in })
        session.quiet = true
        let script = """
            seed 0
            load mlp data=synthetic hidden=[8] subset=64
            save "models/a.safetensors"
            export "models/a.onnx"

            """
        let checked = Checker.check(SourceFile(name: "paths.prn", text: script), verbs: Verbs.table,
                                    resolver: FileImportResolver(paths: paths))
        let outcome = Interpreter(verbs: Verbs.registry(for: session), output: { _ in }).run(checked)
        XCTAssertEqual(outcome.status, .completed, "\(outcome.diagnostics.map(\.message))")
        let logged = session.runLog.events.compactMap { record -> String? in
            switch record.event {
            case .save(let e), .export(let e): return e.path
            default: return nil
            }
        }
        XCTAssertEqual(logged, ["models/a.safetensors", "models/a.onnx"])
    }
}

import Foundation
import Language
import Pruning
@testable import Runtime
import XCTest

/// A verb that fails because a module refused its input reports the module's own message with
/// the code of that error's kind, and `prn run` exits with that code's class (sysexits).
final class ModuleErrorCodeTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("prn-codes-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func write(_ name: String, _ bytes: String) throws {
        try Data(bytes.utf8).write(to: folder.appendingPathComponent(name))
    }

    /// A file of the test's folder as a script names it (paths are relative to where prn runs).
    private func quoted(_ name: String) -> String { "\"\(folder.appendingPathComponent(name).path)\"" }

    /// Runs `script` as `prn run` would and returns the last diagnostic and the exit status.
    private func run(_ script: String, file: StaticString = #filePath, line: UInt = #line) throws -> (Diagnostic, Int32) {
        let path = folder.appendingPathComponent("recipe.prn").path
        try write("recipe.prn", script)
        var runner = ScriptRunner()
        runner.quiet = true
        var printed = ""
        runner.errors = { printed += $0 }
        runner.output = { _ in }
        let status = runner.run(path)
        // The same script through the interpreter, for the diagnostic values behind the text.
        let paths = PathPolicy.standard(scriptFolder: folder, extra: [])
        let session = Session(paths: paths, output: { _ in })
        session.quiet = true
        let checked = Checker.check(SourceFile(name: path, text: script), verbs: Verbs.table,
                                    resolver: FileImportResolver(paths: paths))
        let outcome = Interpreter(verbs: Verbs.registry(for: session), output: { _ in }).run(checked)
        let last = try XCTUnwrap(outcome.diagnostics.last, "no diagnostic; stderr was \(printed)", file: file, line: line)
        XCTAssertTrue(printed.contains(last.message), "prn run printed \(printed)", file: file, line: line)
        return (last, status)
    }

    private func expect(_ script: String, _ code: DiagnosticCode, _ status: Int32, _ words: [String],
                        file: StaticString = #filePath, line: UInt = #line) throws {
        let (d, exit) = try run(script, file: file, line: line)
        XCTAssertEqual(d.code, code, "\(d.message)", file: file, line: line)
        XCTAssertEqual(exit, status, "\(d.message)", file: file, line: line)
        for w in words { XCTAssertTrue(d.message.contains(w), "'\(w)' missing from: \(d.message)", file: file, line: line) }
    }

    // MARK: Engine: data

    func testMissingDataFolderIsNoInput() throws {
        try expect("data \(quoted("absent-folder"))\n", .inputNotFound, PrnExit.noInput, ["absent-folder"])
    }

    func testBadCSVCellIsADataError() throws {
        try write("train.csv", "1,2,0\n3,x,1\n")
        try write("test.csv", "1,2,0\n")
        try expect("data \(quoted(""))\n", .badData, PrnExit.staticError, ["train.csv", "x"])
    }

    // MARK: Engine: model files

    func testMissingModelFileIsNoInput() throws {
        try expect("load \(quoted("absent.safetensors"))\n", .inputNotFound, PrnExit.noInput, ["absent.safetensors"])
    }

    func testCorruptModelFileIsADataError() throws {
        try write("broken.safetensors", "not a model")
        try expect("load \(quoted("broken.safetensors"))\n", .badModelFile, PrnExit.staticError, ["broken.safetensors"])
    }

    func testUnwritableSaveIsAnIOError() throws {
        try expect("load mlp data=synthetic\nsave \(quoted("no-such-folder/m.safetensors"))\n", .writeFailed, PrnExit.ioError,
                   ["no-such-folder", "create it first"])
    }

    // MARK: Pruning

    func testMethodTheModelCannotServeIsADataError() throws {
        // The model's name comes from a variable, so the checker cannot know its norm and the
        // engine's refusal is what the script meets.
        try expect("let m = \"mlp\"\nload m data=synthetic\ntrain epochs=1 penalty=l1\n", .modelUnsupported, PrnExit.staticError,
                   ["BatchNorm", "norm=bn"])
    }

    func testStaleStateIsARuntimeError() {
        let code = ErrorCodes.code(for: PruningError(.staleState, "scores from 'magnitude' have no entry for weight fc.weight"))
        XCTAssertEqual(code, .staleState)
        XCTAssertEqual(PrnExit.status(for: code), PrnExit.runtimeError)
    }

    // MARK: ONNX

    func testNonONNXFileIsADataError() throws {
        try write("model.onnx", "\u{1}\u{2}garbage")
        try expect("load \(quoted("model.onnx"))\n", .badONNX, PrnExit.staticError, ["model.onnx", "not an ONNX model"])
    }

    // MARK: Training

    func testDivergenceIsARuntimeError() throws {
        try expect("load mlp data=synthetic\ntrain epochs=2 lr=100 momentum=0.99\n", .trainingDiverged, PrnExit.runtimeError,
                   ["diverged", "lr="])
    }

    /// Every module code maps to one exit class, and an unknown error stays a plain verb failure.
    func testEveryRunTimeCodeHasAnExitClass() {
        XCTAssertEqual(PrnExit.status(for: .verbFailed), PrnExit.runtimeError)
        for code in DiagnosticCode.catalog where code.id.hasPrefix("E6") {
            XCTAssertTrue([PrnExit.noInput, PrnExit.staticError, PrnExit.ioError, PrnExit.runtimeError]
                .contains(PrnExit.status(for: code)), "\(code)")
        }
        struct Other: Error {}
        XCTAssertEqual(ErrorCodes.code(for: Other()), .verbFailed)
    }
}

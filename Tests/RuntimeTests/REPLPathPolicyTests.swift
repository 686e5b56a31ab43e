import Foundation
import XCTest
@testable import Runtime

/// The REPL's meta-commands obey the same path policy as the verbs: `:load` reads only where
/// `load` and `import` may, and `:save` never writes into a data root.
final class REPLPathPolicyTests: XCTestCase {
    var printed: [String] = []
    var errors = ""
    var folder: URL!
    var savedData: String?

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("prn-repl-paths-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("data"), withIntermediateDirectories: true)
        savedData = ProcessInfo.processInfo.environment["PRN_DATA"]
    }

    override func tearDown() {
        if let savedData { setenv("PRN_DATA", savedData, 1) } else { unsetenv("PRN_DATA") }
        try? FileManager.default.removeItem(at: folder)
    }

    func makeEngine(allow: [String] = []) throws -> REPLEngine {
        var configuration = REPLEngine.Configuration()
        configuration.allow = allow
        return try REPLEngine(configuration: configuration, output: { self.printed.append($0) },
                              errors: { self.errors += $0 })
    }

    /// A script outside the working directory and the allowed folders: neither run nor echoed.
    func testLoadOutsideTheAllowedFoldersIsRefused() throws {
        let script = folder.appendingPathComponent("secret.prn")
        try Data("print \"secret-marker\"\nthis line is not a statement\n".utf8).write(to: script)
        let engine = try makeEngine()
        XCTAssertEqual(engine.load(script.path), .rejected)
        XCTAssertEqual(printed, [], "the refused script ran")
        XCTAssertFalse(errors.contains("secret-marker") || errors.contains("not a statement"), "the refused file was echoed: \(errors)")
        XCTAssertTrue(errors.contains(":load") && errors.contains(script.path) && errors.contains("--allow"), errors)
    }

    func testLoadInsideAnAllowedFolderRuns() throws {
        let script = folder.appendingPathComponent("ok.prn")
        try Data("print \"loaded\"\n".utf8).write(to: script)
        let engine = try makeEngine(allow: [folder.path])
        XCTAssertEqual(engine.load(script.path), .completed, errors)
        XCTAssertEqual(printed, ["loaded"])
    }

    func testSaveIntoADataRootIsRefused() throws {
        setenv("PRN_DATA", folder.appendingPathComponent("data").path, 1)
        let engine = try makeEngine(allow: [folder.path])
        engine.evaluate("let x = 1")
        let target = folder.appendingPathComponent("data/recipe.prn")
        XCTAssertThrowsError(try engine.saveRecipe(to: target.path)) {
            XCTAssertTrue("\($0)".contains("data folder") && "\($0)".contains("PRN_DATA"), "\($0)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: target.path))
        // Beside the data it is fine.
        XCTAssertNoThrow(try engine.saveRecipe(to: folder.appendingPathComponent("recipe.prn").path))
    }

    /// The system dataset folder is a data root even when `--allow` covers it.
    func testSaveIntoTheSystemDatasetFolderIsRefused() throws {
        let target = URL(fileURLWithPath: "/usr/share/datasets/prn-write-policy-\(UUID().uuidString).prn")
        defer { try? FileManager.default.removeItem(at: target) }
        let engine = try makeEngine(allow: ["/usr/share"])
        XCTAssertThrowsError(try engine.saveRecipe(to: target.path)) {
            XCTAssertTrue("\($0)".contains("data folder") && "\($0)".contains("(system)"), "\($0)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: target.path))
    }
}

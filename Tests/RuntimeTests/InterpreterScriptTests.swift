import Foundation
import Language
import Runtime
import XCTest

/// Runs every `.prn` file in Scripts/ with fake verbs and compares the output with the
/// script's own comments:
///
///     print 1 + 2          # expect: 3
///     prune 1.5            # expect error: must be a fraction
///
/// `# expect:` lines must match `print` output in order. `# expect error:` text must occur
/// in a diagnostic ("E302: message"), in order; after code on the same line it also pins the line.
final class InterpreterScriptTests: XCTestCase {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scripts")

    func testScripts() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path)
            .filter { $0.hasSuffix(".prn") }.sorted()
        XCTAssertGreaterThan(files.count, 10)
        for file in files {
            try runScript(Self.folder.appendingPathComponent(file))
        }
    }

    struct ExpectedError {
        let text: String
        let line: Int?
    }

    private func runScript(_ url: URL) throws {
        let bytes = Array(try Data(contentsOf: url))
        var expectedOutput: [String] = []
        var expectedErrors: [ExpectedError] = []
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() {
            let hasCode = !line.trimmingCharacters(in: .whitespaces).hasPrefix("#")
            if let range = line.range(of: "# expect error: ") {
                expectedErrors.append(ExpectedError(text: String(line[range.upperBound...]), line: hasCode ? index + 1 : nil))
            } else if let range = line.range(of: "# expect: ") {
                expectedOutput.append(String(line[range.upperBound...]))
            }
        }

        let name = url.lastPathComponent
        let diagnostics: [Diagnostic]
        let printed: [String]
        switch SourceFile.decode(name: url.path, bytes: bytes) {
        case .failure(let diagnostic):
            diagnostics = [diagnostic]
            printed = []
        case .success(let source):
            let session = FakeSession()
            let registry = session.registry()
            let checked = Checker.check(source, verbs: registry.table, resolver: FolderImportResolver())
            let interpreter = Interpreter(verbs: registry, output: { _ in })
            let outcome = interpreter.run(checked)
            diagnostics = outcome.diagnostics
            printed = outcome.printed
        }

        XCTAssertEqual(printed, expectedOutput, "\(name): printed output")
        let found = diagnostics.map { "\($0.code.id): \($0.message)" }
        XCTAssertEqual(diagnostics.count, expectedErrors.count, "\(name): diagnostics were \(found)")
        for (expected, diagnostic) in zip(expectedErrors, diagnostics) {
            let text = "\(diagnostic.code.id): \(diagnostic.message)"
            XCTAssertTrue(text.contains(expected.text), "\(name): expected '\(expected.text)', found '\(text)'")
            if let line = expected.line, diagnostic.range.file == url.path {
                XCTAssertEqual(diagnostic.range.start.line, line, "\(name): line of '\(text)'")
            }
        }
    }
}

/// Imports relative to the importing file's folder, named by standardized path.
struct FolderImportResolver: ImportResolver {
    func resolve(_ path: String, from importer: SourceFile) -> ImportResolution {
        let folder = URL(fileURLWithPath: importer.name).deletingLastPathComponent()
        let url = folder.appendingPathComponent(path).standardized
        guard let data = FileManager.default.contents(atPath: url.path) else {
            return .notFound(searched: [url.path])
        }
        switch SourceFile.decode(name: url.path, bytes: Array(data)) {
        case .success(let source): return .found(source)
        case .failure(let diagnostic): return .invalid(diagnostic)
        }
    }
}

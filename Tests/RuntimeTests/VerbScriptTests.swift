import Foundation
import Language
@testable import Runtime
import XCTest

/// Runs every `.prn` file in VerbScripts/ with the real verbs on synthetic data, and compares
/// what it prints and reports with its `# expect: ...` and `# expect error: ...` comments.
/// Each script runs in its own temporary working directory.
final class VerbScriptTests: XCTestCase {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("VerbScripts")

    func testVerbScripts() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path)
            .filter { $0.hasSuffix(".prn") }.sorted()
        XCTAssertGreaterThanOrEqual(files.count, 10)
        for file in files { try run(Self.folder.appendingPathComponent(file)) }
    }

    struct Expectations {
        var output: [String] = []
        var errors: [(text: String, line: Int?)] = []

        init(_ text: String) {
            for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let code = !line.trimmingCharacters(in: .whitespaces).hasPrefix("#")
                if let r = line.range(of: "# expect error: ") {
                    errors.append((String(line[r.upperBound...]), code ? i + 1 : nil))
                } else if let r = line.range(of: "# expect: ") {
                    output.append(String(line[r.upperBound...]))
                }
            }
        }
    }

    func run(_ url: URL) throws {
        let name = url.lastPathComponent
        let text = try String(contentsOf: url, encoding: .utf8)
        let expected = Expectations(text)
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("prn-verbs-\(UUID())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }

        let paths = PathPolicy(base: work, roots: [work, url.deletingLastPathComponent()])
        let session = Session(paths: paths, output: { _ in })
        session.quiet = true
        let source = SourceFile(name: url.path, text: text)
        let checked = Checker.check(source, verbs: Verbs.table, resolver: FileImportResolver(paths: paths))
        let outcome = Interpreter(verbs: Verbs.registry(for: session), output: { _ in }).run(checked)

        XCTAssertEqual(outcome.printed, expected.output, "\(name): printed output")
        let found = outcome.diagnostics.map { "\($0.range.start.line): \($0.message)" }
        XCTAssertEqual(outcome.diagnostics.count, expected.errors.count, "\(name): diagnostics were \(found)")
        for (want, got) in zip(expected.errors, outcome.diagnostics) {
            XCTAssertTrue(got.message.contains(want.text), "\(name): expected '\(want.text)', found '\(got.message)'")
            if let line = want.line { XCTAssertEqual(got.range.start.line, line, "\(name): line of '\(got.message)'") }
        }
        if !expected.errors.isEmpty && checked.hasErrors {
            XCTAssertEqual(outcome.status, .rejected, "\(name): static errors mean nothing runs")
        }
    }
}

import Foundation
import Language
@testable import Runtime
import XCTest

/// The docs and the stdlib stay true to the verb table.
final class ReferenceTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    func testLanguageReferenceListsTheVerbTable() throws {
        let doc = try String(contentsOf: Self.root.appendingPathComponent("docs/language.md"), encoding: .utf8)
        // A Bool, not the two documents: a failure should say what to do, not print 40 KB.
        XCTAssertTrue(VerbReference.splice(into: doc) == doc, "docs/language.md is out of date: run scripts/gen-docs")
        for verb in Verbs.table.names { XCTAssertTrue(doc.contains("### `\(verb)`"), verb) }
    }

    func testEveryStdlibRecipePassesCheck() throws {
        let stdlib = Self.root.appendingPathComponent("stdlib")
        let files = FileManager.default.enumerator(atPath: stdlib.path)?.compactMap { $0 as? String }
            .filter { $0.hasSuffix(".prn") }.sorted() ?? []
        XCTAssertFalse(files.isEmpty)
        for file in files {
            let url = stdlib.appendingPathComponent(file)
            let source = SourceFile(name: url.path, text: try String(contentsOf: url, encoding: .utf8))
            let paths = PathPolicy(base: stdlib, roots: [stdlib])
            // A recipe that documents `prn run --set NAME=VALUE` is checked as it would be run.
            var context = CheckContext()
            for line in source.text.split(separator: "\n") where line.hasPrefix("#") {
                for part in line.split(separator: " ") where part.contains("=") && line.contains("--set " + part) {
                    let name = String(part.prefix { $0 != "=" })
                    context.variables[name] = try SetOption.parse(name: name, text: String(part.drop { $0 != "=" }.dropFirst())).staticType
                }
            }
            let checked = Checker.check(source, verbs: Verbs.table, resolver: FileImportResolver(paths: paths, stdlib: stdlib),
                                        context: context)
            XCTAssertFalse(checked.hasErrors, "\(file): \(DiagnosticRenderer(sources: checked.sources).render(checked.diagnostics))")
        }
    }
}

import Foundation
import Language
import Runtime
import XCTest

/// Inputs the fuzzer (scripts/fuzz) once crashed or hung on, replayed through the same
/// pipeline with the real verb table: each must now finish with diagnostics, quickly.
final class FuzzRegressionTests: XCTestCase {
    static var inputs: [URL] {
        let folder = RepoPaths.root.appendingPathComponent("Fuzz/regressions")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.sorted().filter { !$0.hasPrefix(".") }.map { folder.appendingPathComponent($0) }
    }

    func testEveryRecordedFindingNowChecksCleanly() throws {
        for url in Self.inputs {
            let bytes = [UInt8](try Data(contentsOf: url))
            let start = Date()
            let diagnostics = FrontEnd.run(bytes, name: url.lastPathComponent)
            XCTAssertLessThan(Date().timeIntervalSince(start), 5, "\(url.lastPathComponent) took too long")
            _ = diagnostics
        }
    }

    /// Hand-written hostile shapes the fuzzer reaches only slowly.
    func testPathologicalScriptsGiveDiagnostics() {
        let cases: [(String, String)] = [
            ("nested blocks", String(repeating: "if true {\n", count: 5000) + String(repeating: "}\n", count: 5000)),
            ("nested lists", "let x = " + String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000)),
            ("nested parentheses", "print " + String(repeating: "(", count: 200_000) + "1" + String(repeating: ")", count: 200_000)),
            ("unary chain", "let x = " + String(repeating: "-", count: 200_000) + "1"),
            ("not chain", "let x = " + String(repeating: "not ", count: 100_000) + "true"),
            ("long binary chain", "let x = 1" + String(repeating: " + 1", count: 100_000)),
            ("long field chain", "let x = a" + String(repeating: ".b", count: 100_000)),
            ("self import", "import \"fuzz.prn\"\n"),
            ("unterminated string", "print \"" + String(repeating: "a", count: 100_000)),
            ("huge number", "train epochs=" + String(repeating: "9", count: 5000)),
            ("nul bytes", "seed 1\u{0}\u{0}\n"),
        ]
        for (name, text) in cases {
            let start = Date()
            let diagnostics = FrontEnd.run(Array(text.utf8), name: "fuzz.prn")
            XCTAssertLessThan(Date().timeIntervalSince(start), 10, "\(name) took too long")
            if name != "nul bytes" { XCTAssertFalse(diagnostics.isEmpty, "\(name) was accepted") }
        }
    }
}

/// The fuzzer's pipeline (Fuzz/FuzzEntry.swift) with the real verb table.
enum FrontEnd {
    static func run(_ bytes: [UInt8], name: String) -> [Diagnostic] {
        switch SourceFile.decode(name: name, bytes: bytes) {
        case .failure(let diagnostic):
            _ = DiagnosticRenderer().render([diagnostic])
            return [diagnostic]
        case .success(let source):
            _ = Lexer.tokenize(source)
            let checked = Checker.check(source, verbs: Verbs.table, resolver: InMemoryImportResolver(files: ["fuzz.prn": source.text]))
            _ = DiagnosticRenderer(sources: [source], colour: true).render(checked.diagnostics)
            return checked.diagnostics
        }
    }
}

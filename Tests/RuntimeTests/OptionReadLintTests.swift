import Foundation
import XCTest

/// Verbs read their arguments and options through the typed declarations in their signatures
/// (`inv[epochs]`). A read by a string name can disagree with the declaration (a second default,
/// a misspelt name that silently reads nil), so this test refuses it anywhere in Sources.
final class OptionReadLintTests: XCTestCase {
    /// Reads by name, and a constant fallback right after a read (a second default that can
    /// disagree with the declared one; a fallback to session state, `?? data.classes`, is allowed).
    static let forbidden: [String] = [
        #"inv\.(int|float|double|text|bool|given|option|argument)\(""#,
        #"\.option\(""#,
        #"\.given\(""#,
        #"inv\[[^\]]+\]\s*\?\?\s*(-?[0-9]|"|true|false|\.[a-z])"#,
    ]

    func testNoOptionIsReadByItsName() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Sources")
        let patterns = try Self.forbidden.map { try NSRegularExpression(pattern: $0) }
        var offences: [String] = []
        guard let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil) else {
            return XCTFail("cannot list \(sources.path)")
        }
        var scanned = 0
        for case let url as URL in files where url.pathExtension == "swift" {
            scanned += 1
            let text = try String(contentsOf: url, encoding: .utf8)
            for (number, line) in text.components(separatedBy: "\n").enumerated() {
                let range = NSRange(line.startIndex..., in: line)
                if patterns.contains(where: { $0.firstMatch(in: line, range: range) != nil }) {
                    offences.append("\(url.lastPathComponent):\(number + 1): \(line.trimmingCharacters(in: .whitespaces))")
                }
            }
        }
        XCTAssertGreaterThan(scanned, 50, "the scan found too few sources to mean anything")
        XCTAssertEqual(offences, [], "read options through their declarations (inv[declaration]):\n" + offences.joined(separator: "\n"))
    }
}

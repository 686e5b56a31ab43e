import Foundation
import Language
import Runtime
import XCTest

/// The fuzzer checks scripts against Fuzz/FuzzVerbTable.swift, a generated copy of the runtime's
/// verb table; this test fails when the copy falls behind (PRN_REGENERATE=1 rewrites it).
final class VerbTableSourceTests: XCTestCase {
    func testFuzzVerbTableMatchesRuntimeTable() throws {
        let url = RepoPaths.root.appendingPathComponent("Fuzz/FuzzVerbTable.swift")
        let expected = VerbTableSource.render(Verbs.table)
        if ProcessInfo.processInfo.environment["PRN_REGENERATE"] == "1" {
            try expected.write(to: url, atomically: true, encoding: .utf8)
        }
        let actual = try String(contentsOf: url, encoding: .utf8)
        XCTAssertEqual(actual, expected, "Fuzz/FuzzVerbTable.swift is stale: rerun with PRN_REGENERATE=1")
    }

    func testRenderedLiteralsEscapeQuotesAndControlCharacters() {
        XCTAssertEqual(VerbTableSource.literal("a \"b\" \\ c\n\u{1}"), "\"a \\\"b\\\" \\\\ c\\n\\u{1}\"")
        XCTAssertEqual(VerbTableSource.number(-.infinity), "-Double.infinity")
        XCTAssertEqual(VerbTableSource.type(.list(.integer(min: 1, max: nil))),
                       "ValueType.list(ValueType.integer(min: 1, max: nil))")
    }
}

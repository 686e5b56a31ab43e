import Foundation
import Language
import Runtime
import XCTest

/// A cheap, deterministic cousin of the language fuzzer (Fuzz/Targets) for model definitions:
/// every prefix, every line left out and every number replaced by an extreme value in the
/// stdlib's definitions must be checked without a crash, in bounded time.
final class ModelDefinitionMutationTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func check(_ text: String) {
        let checked = Checker.check(SourceFile(name: "m.prn", text: text), verbs: Verbs.table)
        _ = DiagnosticRenderer(sources: checked.sources).render(checked.diagnostics)
    }

    func testMutatedDefinitionsAreCheckedWithoutCrashing() throws {
        let base = try String(contentsOf: Self.root.appendingPathComponent("stdlib/models/resnet.prn"), encoding: .utf8)
            + "load small-resnet width=4 blocks=3 data=fashion-mnist\nload cifar-resnet n=1 data=cifar10\n"
        let characters = Array(base)
        for end in stride(from: 0, through: characters.count, by: 5) { check(String(characters[..<end])) }
        let lines = base.split(separator: "\n", omittingEmptySubsequences: false)
        for skipped in lines.indices {
            check(lines.enumerated().filter { $0.offset != skipped }.map { String($0.element) }.joined(separator: "\n"))
        }
        let extremes = ["0", "-1", "2.5", "1e300", "65536", "(1/0)", "\"x\"", "true", "[1, 2]", "global"]
        var numbers: [Range<String.Index>] = []
        var index = base.startIndex
        while let range = base.range(of: "[0-9]+", options: .regularExpression, range: index..<base.endIndex) {
            numbers.append(range)
            index = range.upperBound
        }
        XCTAssertGreaterThan(numbers.count, 10)
        for range in numbers {
            for value in extremes { check(base.replacingCharacters(in: range, with: value)) }
        }
    }
}

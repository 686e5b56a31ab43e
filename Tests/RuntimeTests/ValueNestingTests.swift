import Runtime
import XCTest

/// Printing, comparing and freeing values use explicit stacks, so even a list nested far
/// beyond the interpreter's limit (built here directly, as a verb could) never exhausts the
/// stack.
final class ValueNestingTests: XCTestCase {
    private let depth = 1_000_000

    private func nested(_ depth: Int, innermost: Value = .number(1)) -> Value {
        var value = innermost
        for _ in 0..<depth { value = .list([value]) }
        return value
    }

    func testMetricsAreKeptPerList() {
        let x: Value = .list([.number(1), .string("abc"), .list([.word("w")])])
        XCTAssertEqual(x.depth, 2)
        XCTAssertEqual(x.size, 1 + 1 + 3 + 2)
        let shared: Value = .list([x, x])
        XCTAssertEqual(shared.size, 1 + 2 * x.size, "a list held twice counts twice")
        XCTAssertEqual(Value.string("").size, 1)
    }

    func testDeepValuePrintsWithoutRecursion() {
        let text = nested(depth).literal
        XCTAssertEqual(text.utf8.count, 2 * depth + 1)
        XCTAssertTrue(text.hasPrefix("[[[[") && text.hasSuffix("]]]]"))
        XCTAssertEqual(Value.list([.record(Record([("a", .list([.string("q\"")])), ("b", .none)])), .bool(true)]).literal,
                       #"[{a: ["q\""], b: none}, true]"#)
    }

    func testDeepValuesCompareWithoutRecursion() {
        let a = nested(depth), b = nested(depth)
        XCTAssertTrue(a == b)
        XCTAssertTrue(a.languageEquals(b))
        XCTAssertFalse(a == nested(depth, innermost: .number(2)))
        XCTAssertFalse(a == nested(depth - 1))
        XCTAssertTrue(nested(depth, innermost: .word("w")).languageEquals(nested(depth, innermost: .string("w"))))
        XCTAssertFalse(nested(3, innermost: .word("w")) == nested(3, innermost: .string("w")), "== keeps words and strings apart")
    }

    func testDeepValueIsFreedWithoutRecursion() {
        var value: Value? = nested(depth)
        XCTAssertEqual(value?.depth, depth)
        value = nil
        // Shared inner lists stay intact while an outer list is freed.
        let inner = nested(depth)
        var outer: Value? = .list([inner, inner])
        outer = nil
        XCTAssertNil(outer)
        XCTAssertEqual(inner.depth, depth)
        XCTAssertEqual(nested(10).literal, String(repeating: "[", count: 10) + "1" + String(repeating: "]", count: 10))
    }

    func testDeepRecordContentsAreFreedWithoutRecursion() {
        var value: Value? = .list([.record(Record([("deep", nested(depth))]))])
        value = nil
        XCTAssertNil(value)
    }
}

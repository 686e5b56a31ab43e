import Language
import XCTest

/// The syntax of model definitions: header, layers, `repeat`, `residual`, `let`, and recovery
/// from a bad line that keeps the rest of the definition.
final class ModelSyntaxTests: XCTestCase {
    func testDefinitionWithEveryKindOfLine() {
        let (dump, diagnostics) = SyntaxDump.parse("""
            model net(w=16, depth) input=[1, 28, 28] {
              conv w 3 pad=1; bn; relu
              let c = 2 * w
              repeat depth { block c }
              residual shortcut=conv { conv c 3 stride=2 pad=1 }
              avgpool global
              dense 10
            }
            """)
        XCTAssertEqual(diagnostics.map(\.message), [])
        XCTAssertEqual(dump, "(model net (w=16 depth) input=[1 28 28] {(conv w 3 pad=1) (bn) (relu) (let c (* 2 w)) "
                       + "(repeat depth {(block c)}) (residual shortcut=conv {(conv c 3 stride=2 pad=1)}) (avgpool global) (dense 10)})")
    }

    /// `model` is not reserved: `show model` and a variable named model keep working.
    func testModelIsAWordOutsideADefinition() {
        let (dump, diagnostics) = SyntaxDump.parse("show model\nlet model = 3\nprint model")
        XCTAssertEqual(diagnostics.map(\.message), [])
        XCTAssertEqual(dump, "(show model)\n(let model 3)\n(print model)")
    }

    func testABadLayerLineIsSkippedAndTheRestKept() {
        let (dump, diagnostics) = SyntaxDump.parse("model m {\n  conv 8 3 pad=\n  relu\n}\nprint 1")
        XCTAssertEqual(diagnostics.map { "\($0.code.id)@\($0.range.start.line)" }, ["E102@2"])
        XCTAssertEqual(dump, "(model m () {(relu)})\n(print 1)")
    }

    func testAHeaderWithoutBracesIsReported() {
        let (_, diagnostics) = SyntaxDump.parse("model m input=[1, 8, 8] conv\nprint 1")
        XCTAssertEqual(diagnostics.map { "\($0.code.id)@\($0.range.start.line):\($0.range.start.column)" }, ["E101@1:25"])
    }
}

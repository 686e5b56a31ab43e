import Language
import Runtime
import XCTest

/// Model definitions are built and shape-checked before the run: every mistake is reported at
/// the layer that makes it, and a mismatch also points at the layer whose output does not fit.
final class ModelDefinitionCheckTests: XCTestCase {
    private func diagnostics(_ text: String) -> [Diagnostic] {
        Checker.check(SourceFile(name: "t.prn", text: text), verbs: Verbs.table).diagnostics
    }

    /// "code@line:column" of each diagnostic.
    private func places(_ text: String) -> [String] {
        diagnostics(text).map { "\($0.code.id)@\($0.range.start.line):\($0.range.start.column)" }
    }

    static let block = """
        model block(c) {
          residual {
            conv c 3 pad=1
            bn
            relu
            conv c 3 pad=1
            bn
          }
          relu
        }

        """

    func testAValidDefinitionAndItsLoadHaveNoDiagnostics() {
        XCTAssertEqual(places(Self.block + """
            model net(w=8) input=[1, 28, 28] {
              conv w 3 pad=1; bn; relu
              repeat 2 { block w }
              residual shortcut=conv { conv (2*w) 3 stride=2 pad=1; bn; relu; conv 2*w 3 pad=1; bn }
              maxpool 2
              flatten
              dropout 0.5
              dense 10
            }
            load net w=4 data=fashion-mnist
            train epochs=1
            """), [])
    }

    func testAChannelMismatchAtAResidualAddNamesBothLayers() throws {
        let found = diagnostics("""
            model net input=[1, 28, 28] {
              conv 8 3 pad=1
              residual {
                conv 16 3 pad=1
                relu
              }
              avgpool global
              dense 10
            }
            """)
        XCTAssertEqual(found.map { "\($0.code.id)@\($0.range.start.line):\($0.range.start.column)" }, ["E407@4:5"])
        let d = try XCTUnwrap(found.first)
        XCTAssertEqual(d.message, "residual add: channel mismatch, the block's output is [16, 28, 28] but its input is [8, 28, 28]")
        XCTAssertEqual(d.notes.first?.range?.start.line, 2, "the note points at the layer feeding the block")
        XCTAssertTrue(d.help?.contains("shortcut=conv") ?? false)
    }

    func testAMismatchInsideAUsedDefinitionIsReportedWhereItIsWrittenWithTheLoad() throws {
        let found = diagnostics("""
            model widen(c) { residual { conv (2*c) 3 pad=1 } }
            model net(w=4) input=[1, 8, 8] { conv w 3 pad=1; widen w; flatten; dense 4 }
            load net w=6 data=synthetic
            """)
        // Once for the definition's own default (w=4), once for the load's w=6.
        XCTAssertEqual(found.map { "\($0.code.id)@\($0.range.start.line):\($0.range.start.column)" }, ["E407@1:29", "E407@1:29"])
        XCTAssertEqual(found.last?.notes.map { $0.range?.start.line }, [2, 3])
        XCTAssertTrue(found.last?.message.contains("[12, 8, 8]") ?? false, found.last?.message ?? "")
    }

    func testConvInputChannelsAgainstThePreviousLayer() throws {
        let found = diagnostics("model net input=[3, 8, 8] {\n  conv 8 3\n  conv 4 3 in_channels=16\n  flatten; dense 2\n}\n")
        XCTAssertEqual(found.map { "\($0.code.id)@\($0.range.start.line):\($0.range.start.column)" }, ["E407@3:3"])
        XCTAssertEqual(found.first?.message, "conv in_channels=16 expects 16 input channels, but its input has 8")
        XCTAssertEqual(found.first?.notes.first?.range?.start.line, 2)
        XCTAssertEqual(places("model net input=[20] {\n  dense 8\n  dense 4 in_features=9\n}\n"), ["E407@3:3"])
    }

    func testDenseAfterConvWithoutFlatten() throws {
        let found = diagnostics("model net input=[1, 28, 28] {\n  conv 8 3\n  dense 10\n}\n")
        XCTAssertEqual(found.map { "\($0.code.id)@\($0.range.start.line):\($0.range.start.column)" }, ["E407@3:3"])
        XCTAssertEqual(found.first?.message, "dense needs a vector input, but its input is [8, 26, 26]")
        XCTAssertEqual(found.first?.notes.first?.range?.start.line, 2)
        XCTAssertEqual(found.first?.help, "add 'flatten' (or 'avgpool global') before it")
    }

    func testOtherShapeErrors() {
        // A conv after flatten, a window larger than the image, a model that ends in an image.
        XCTAssertEqual(places("model a input=[1, 8, 8] { flatten; conv 4 3; dense 2 }"), ["E407@1:36"])
        XCTAssertEqual(places("model a input=[1, 4, 4] {\n  conv 4 5\n  flatten; dense 2\n}"), ["E407@2:3"])
        XCTAssertEqual(places("model a input=[1, 4, 4] {\n  conv 4 3\n}"), ["E407@2:3"])
        XCTAssertEqual(places("model a input=[1, 4, 4] { conv 6 3 groups=4; flatten; dense 2 }"), ["E407@1:27"])
        XCTAssertEqual(places("model a input=[1, 4, 4] { }"), ["E407@1:7"])
        XCTAssertEqual(places("model a input=[4, 8, 8] {\n  residual shortcut=pad { conv 2 3 stride=2 pad=1 }\n  flatten; dense 2\n}"),
                       ["E407@2:27"])
        XCTAssertEqual(places("model a input=[0, 8] { flatten; dense 2 }"), ["E302@1:15"])
        XCTAssertEqual(places("model a input=[65536, 65536, 65536] { flatten; dense 2 }"), ["E302@1:15"])
        // Sizes that would overflow, and builds that would never end, stop with an error.
        XCTAssertEqual(places("model a input=[1, 8, 8] {\n  conv 8 1 pad=1000000\n  flatten; dense 2\n}"), ["E407@2:3"])
        XCTAssertEqual(places("model a input=[4] {\n  repeat 10000 { repeat 10000 { let x = 1 } }\n  dense 2\n}"), ["E302@2:33"])
    }

    func testUnknownLayersAndOptionsGetSuggestions() throws {
        let found = diagnostics("model a(w=4) input=[1, 8, 8] {\n  cnv w 3\n  conv w 3 stide=2\n  relu6\n  flatten; dense 2\n}")
        XCTAssertEqual(found.map { "\($0.code.id)@\($0.range.start.line):\($0.range.start.column)" }, ["E201@2:3", "E202@3:12", "E201@4:3"])
        XCTAssertEqual(found.map(\.help), ["did you mean 'conv'?", "did you mean 'stride'?", "did you mean 'relu'?"])
        XCTAssertEqual(found.first?.message, "unknown layer 'cnv'")
        // A definition's own name is a layer word too.
        XCTAssertEqual(diagnostics(Self.block + "model a input=[1, 8, 8] { blok 4; flatten; dense 2 }").first?.help, "did you mean 'block'?")
        XCTAssertEqual(places("model a input=[1, 8, 8] { conv 4 3 4; flatten; dense 2 }"), ["E303@1:36"])
        XCTAssertEqual(places("model a input=[1, 8, 8] { conv 4; flatten; dense 2 }"), ["E304@1:27"])
        XCTAssertEqual(places("model a input=[1, 8, 8] { conv x 3; flatten; dense 2 }"), ["E204@1:32"])
    }

    func testRecursionIsRefused() {
        XCTAssertEqual(places("model a(c) { a c }"), ["E408@1:14"])
        XCTAssertEqual(places("model b(c) { relu }\nmodel a(c) { b c }\nmodel c(x) { a x; residual { c x } }"), ["E408@3:30"])
        let found = diagnostics("model a(c) { b c }\nmodel b(c) { a c }")
        // 'a' uses 'b' before it is defined (an unknown layer there); b's use of a closes the loop.
        XCTAssertEqual(found.map(\.code.id), ["E201", "E408"])
    }

    func testBadParametersAreRefusedCleanly() throws {
        let net = "model net(w=8) input=[1, 8, 8] {\n  conv w 3 pad=1\n  flatten\n  dense 4\n}\n"
        XCTAssertEqual(places(net + "load net w=0 data=synthetic"), ["E302@2:8"])
        XCTAssertEqual(places(net + "load net w=2.5 data=synthetic"), ["E301@2:8"])
        XCTAssertEqual(places(net + "load net w=\"wide\" data=synthetic"), ["E301@2:8"])
        let unknown = diagnostics(net + "load net ww=4 data=synthetic")
        XCTAssertEqual(unknown.map { "\($0.code.id)@\($0.range.start.line):\($0.range.start.column)" }, ["E202@6:10"])
        XCTAssertEqual(unknown.first?.help, "did you mean 'w'?")
        XCTAssertEqual(places(net + "load net w=4 w=5 data=synthetic"), ["E205@6:14"])
        XCTAssertEqual(places(net + "load net width=2 data=synthetic"), ["E202@6:10"])
        XCTAssertEqual(places(net + "load net data=synthetic subset=100 val=0.1"), [])
        XCTAssertEqual(places("model m(c) input=[1, 8, 8] { conv c 3; flatten; dense 2 }\nload m data=synthetic"), ["E304@2:1"])
        XCTAssertEqual(places("model m(data=1) { relu }"), ["E206@1:9"])
        XCTAssertEqual(places("model m(c, c) { relu }"), ["E206@1:12"])
        XCTAssertEqual(places("model lenet5 { relu }"), ["E206@1:7"])
        XCTAssertEqual(places("model conv { relu }"), ["E206@1:7"])
        XCTAssertEqual(places("model m { relu }\nmodel m { relu }"), ["E206@2:7"])
        XCTAssertEqual(places("model m inputs=[1] { relu }"), ["E202@1:9"])
        XCTAssertEqual(places("if true {\n  model m { relu }\n}"), ["E405@2:9"])
        XCTAssertEqual(places("model m input=[4] { dense (eval).params }"), ["E301@1:27"])
        XCTAssertEqual(places("model m input=[4] { repeat -1 { relu }; dense 2 }"), ["E302@1:28"])
    }

    /// A width computed by the script is checked when `load` runs, with the same message.
    func testComputedWidthsAreLeftToTheRun() {
        XCTAssertEqual(places("model net(w=8) input=[1, 8, 8] { conv w 3; flatten; dense 4 }\nlet w = 0\nload net w=w data=synthetic"), [])
    }
}

import Engine
import Foundation
import Language
@testable import Runtime
import XCTest

/// Defined models become the engine graph the zoo builds: the stdlib's LeNet-5 and CIFAR ResNet
/// definitions give the zoo's lenet5 and resnet20 layer for layer, and a defined model trains,
/// prunes, saves and loads like a zoo model.
final class ModelDefinitionBuildTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Builds definition `name` of a stdlib file with `arguments`, as `load` would without data.
    func buildStdlib(_ file: String, _ name: String, _ arguments: [String: Double] = [:]) throws -> Model {
        let url = Self.root.appendingPathComponent("stdlib/\(file)")
        let source = SourceFile(name: url.path, text: try String(contentsOf: url, encoding: .utf8))
        let checked = Checker.check(source, verbs: Verbs.table)
        XCTAssertFalse(checked.hasErrors, "\(checked.diagnostics.map(\.message))")
        let call = DefinedModelCall(definitions: checked.context.models, name: name,
                                    arguments: arguments.mapValues { (.number($0), SourceRange.unknown) }, site: .unknown)
        let session = Session(paths: PathPolicy(base: FileManager.default.temporaryDirectory, roots: []), output: { _ in })
        return try DefinedModels.build(call, session)
    }

    /// Kind, config and output shape of every node, in order, and the parameter count.
    func layout(_ model: Model) throws -> [String] {
        let shapes = try model.shapes()
        return Architecture(of: model).nodes.enumerated().map { i, node in
            "\(node.kind) \(node.config.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")) -> \(shapes[i + 1]) from \(node.inputs)"
        } + ["params \(model.parameterCount)"]
    }

    func testStdlibLenetIsTheZoosLenet5() throws {
        let defined = try buildStdlib("models/lenet.prn", "lenet")
        let zoo = try Zoo.build("lenet5", ZooOptions(inputShape: [1, 28, 28], classes: 10))
        XCTAssertEqual(try layout(defined), try layout(zoo))
        XCTAssertEqual(defined.parameterCount, 61_706)
        XCTAssertEqual(try defined.macs(), try zoo.macs())
    }

    func testStdlibCifarResnetIsTheZoosResnet20And56() throws {
        let zoo20 = try Zoo.build("resnet20", ZooOptions(inputShape: [3, 32, 32], classes: 10))
        XCTAssertEqual(try layout(try buildStdlib("models/resnet.prn", "cifar-resnet")), try layout(zoo20))
        let zoo56 = try Zoo.build("resnet56", ZooOptions(inputShape: [3, 32, 32], classes: 10, width: 0.5))
        XCTAssertEqual(try layout(try buildStdlib("models/resnet.prn", "cifar-resnet", ["n": 9, "width": 8])), try layout(zoo56))
    }

    /// Runs a script in a scratch folder (imports resolve in the stdlib) and returns its session.
    func run(_ script: String, in work: URL) throws -> (Session, RunOutcome) {
        let paths = PathPolicy(base: work, roots: [work])
        let s = Session(paths: paths, output: { _ in })
        s.quiet = true
        let stdlib = Self.root.appendingPathComponent("stdlib")
        let checked = Checker.check(SourceFile(name: work.appendingPathComponent("t.prn").path, text: script), verbs: Verbs.table,
                                    resolver: FileImportResolver(paths: paths, stdlib: stdlib))
        XCTAssertFalse(checked.hasErrors, "\(checked.diagnostics.map(\.message))")
        return (s, Interpreter(verbs: Verbs.registry(for: s), output: { _ in }).run(checked))
    }

    func scratch() throws -> URL {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("prn-modeldef-\(UUID())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        return work
    }

    func testADefinedResidualModelTrainsPrunesAndRoundTripsThroughAFile() throws {
        let work = try scratch()
        defer { try? FileManager.default.removeItem(at: work) }
        let (s, outcome) = try run("""
            import "models/resnet.prn"
            model tiny(w=6) {
              conv w 3 pad=1 bias=false; bn; relu
              basic-block w
              projection-block (2 * w) stride=2
              avgpool global
              dense 4
            }
            seed 3
            load tiny w=4 data=synthetic subset=256
            train epochs=1 lr=0.05
            score magnitude granularity=channels
            let p = (prune 0.25)
            finetune epochs=1
            let a = (eval)
            save "tiny.safetensors"
            load "tiny.safetensors"
            let b = (eval)
            assert a.accuracy == b.accuracy and a.loss == b.loss "the saved model reloads with the same outputs"
            assert p.sparsity > 0 "channels of the defined model were removed"
            """, in: work)
        XCTAssertEqual(outcome.status, .completed, "\(outcome.diagnostics.map(\.message))")
        let model = try XCTUnwrap(s.model)
        XCTAssertEqual(model.architecture, "tiny")
        XCTAssertEqual(model.inputShape, [1, 8, 8], "a definition without input= takes the data's shape")
        XCTAssertTrue(model.nodes.contains { $0.name == "projection-block1.res1.shortcut.conv" }, "\(model.nodes.map(\.name))")
    }

    /// A variable naming a definition loads it with its defaults; the name of a definition in
    /// another verb's argument is just a word.
    func testADefinitionNamedByAVariableAndByOtherVerbs() throws {
        let work = try scratch()
        defer { try? FileManager.default.removeItem(at: work) }
        let (s, outcome) = try run("""
            model net(w=3) { conv w 3; flatten; dense 4 }
            let m = "net"
            load m data=synthetic
            checkpoint net
            restore net
            """, in: work)
        XCTAssertEqual(outcome.status, .completed, "\(outcome.diagnostics.map(\.message))")
        XCTAssertEqual(s.model?.architecture, "net")
        XCTAssertEqual(s.model?.parameterCount, 3 * 9 + 3 + 3 * 6 * 6 * 4 + 4)
    }

    /// What the checker could not see (a computed width, the data's shape and classes) is
    /// refused when `load` runs, with the checker's code and place.
    func testRunTimeProblemsOfADefinitionStopAtTheLayer() throws {
        let work = try scratch()
        defer { try? FileManager.default.removeItem(at: work) }
        let net = "model net(w=8, k=3) {\n  conv w k\n  flatten\n  dense 4\n}\n"
        var (_, outcome) = try run(net + "let w = 0\nload net w=w data=synthetic\n", in: work)
        XCTAssertEqual(outcome.status, .failed)
        XCTAssertEqual(outcome.diagnostics.last.map { "\($0.code.id)@\($0.range.start.line):\($0.range.start.column)" }, "E302@2:8")
        (_, outcome) = try run(net + "let k = 9\nload net k=k data=synthetic\n", in: work)
        XCTAssertEqual(outcome.diagnostics.last.map { "\($0.code.id)@\($0.range.start.line)" }, "E407@2")
        XCTAssertEqual(outcome.diagnostics.last?.notes.last?.range?.start.line, 7, "the note names the load")
        (_, outcome) = try run("model m input=[1, 28, 28] { flatten; dense 4 }\nload m data=synthetic\n", in: work)
        XCTAssertEqual(outcome.diagnostics.last?.code, .dataMismatch)
        XCTAssertEqual(outcome.diagnostics.last?.message, "model 'm' declares input=[1, 28, 28] but the data has samples of shape [1, 8, 8]")
        (_, outcome) = try run("model m { flatten; dense 3 }\nload m data=synthetic\n", in: work)
        XCTAssertEqual(outcome.diagnostics.last?.code, .dataMismatch)
        XCTAssertEqual(outcome.diagnostics.last?.help, "make its last layer: dense 4")
        (_, outcome) = try run("model m { flatten; dense 4 }\nload m\n", in: work)
        XCTAssertEqual(outcome.diagnostics.last?.code, .dataMismatch)
    }
}

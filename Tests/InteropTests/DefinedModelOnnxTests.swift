import Engine
import Foundation
import Language
import ONNX
@testable import Runtime
import XCTest

/// The stdlib's residual CNN, written in the language, goes through the whole recipe (train on
/// Fashion-MNIST, prune channels, fine-tune) and onnxruntime runs its export with prn's logits.
final class DefinedModelOnnxTests: XCTestCase {
    func testThePrunedStdlibResidualCNNRunsInOnnxRuntimeWithPrnsLogits() throws {
        let python = try PythonRunner.require(["onnxruntime", "onnx", "numpy"])
        let dir = try makeWorkDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let paths = PathPolicy(base: dir, roots: [dir])
        let session = Session(paths: paths, output: { _ in })
        session.quiet = true
        let stdlib = PythonRunner.repositoryRoot.appendingPathComponent("stdlib")
        // The recipe of stdlib/residual-fashion.prn, smaller.
        let script = """
            import "models/resnet.prn"
            seed 0
            load small-resnet width=8 blocks=1 data=fashion-mnist subset=512
            train epochs=1 lr=0.05
            score magnitude granularity=channels
            let p = (prune 0.3)
            assert p.sparsity > 0.2
            finetune epochs=1 lr=0.01
            """
        let checked = Checker.check(SourceFile(name: dir.appendingPathComponent("t.prn").path, text: script), verbs: Verbs.table,
                                    resolver: FileImportResolver(paths: paths, stdlib: stdlib))
        XCTAssertFalse(checked.hasErrors, "\(checked.diagnostics.map(\.message))")
        let outcome = Interpreter(verbs: Verbs.registry(for: session), output: { _ in }).run(checked)
        XCTAssertEqual(outcome.status, .completed, "\(outcome.diagnostics.map(\.message))")
        let model = try XCTUnwrap(session.model)
        XCTAssertEqual(model.architecture, "small-resnet")
        XCTAssertTrue(model.nodes.contains { $0.layer?.kind == "add" })

        // The export starts with the model's preprocessing, so onnxruntime reads raw pixels and
        // prn's own forward pass the normalised ones.
        let x = ModelFixtures.input(model.inputShape, batch: 6)
        let stats = try XCTUnwrap(model.preprocessing?.statistics, "a model built for Fashion-MNIST records its statistics")
        let plane = x.count / x.shape[0] / stats.mean.count
        let normalised = Tensor(shape: x.shape, values: x.array.enumerated().map { i, v in
            let c = (i / plane) % stats.mean.count
            return (v - stats.mean[c]) / stats.std[c]
        })
        let log = try OnnxRuntimeComparison.check([.init(label: "net", model: model, input: x,
                                                          expected: ModelFixtures.logits(model, normalised))],
                                                  python: python, in: dir)
        XCTAssertTrue(log.contains("'Add'") && log.contains("'GlobalAveragePool'"), log)
    }
}

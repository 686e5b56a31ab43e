import Engine
import Foundation
import Language
@testable import Runtime
import XCTest

/// Receding neuron importances train their sigmoid-BN gates with 10x the learning rate and no
/// weight decay. The rule lives in the optimizer's parameter groups; this checks that `train`
/// hands it over by default, by comparing one plain SGD step through the verb with the step the
/// gradients call for.
final class TrainGroupRuleTests: XCTestCase {
    /// Runs `text` in `session`, which already holds a model and data when the script does not load them.
    private func run(_ text: String, _ session: Session) {
        let checked = Checker.check(SourceFile(name: "t.prn", text: text), verbs: Verbs.table,
                                    context: CheckContext(facts: session.model == nil ? [] : ["model", "data"]))
        let outcome = Interpreter(verbs: Verbs.registry(for: session), output: { _ in }).run(checked)
        XCTAssertEqual(outcome.status, .completed, "\(outcome.diagnostics.map(\.message))")
    }

    func testSigmoidBNGatesGetTenTimesTheRateAndNoWeightDecay() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("prn-groups-\(UUID())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let session = Session(paths: PathPolicy(base: work, roots: [work]), output: { _ in })
        session.quiet = true
        run("seed 0\nload mlp data=synthetic hidden=[8] norm=sigmoid subset=64\n", session)
        let model = try XCTUnwrap(session.model)
        let train = try XCTUnwrap(session.data?.train)
        XCTAssertEqual(train.count, 64)

        // The gradient of the one full batch the step below takes (the mean over its samples does
        // not depend on their order).
        let batches = try BatchIterator(train, batchSize: 64, shuffle: false)
        let batch = try XCTUnwrap(batches.next())
        model.zeroGrad()
        let loss = SoftmaxCrossEntropy()
        // The batch's labels live in the iterator's buffer.
        withExtendedLifetime(batches) { _ = loss(model.forward(batch.images, mode: .train), labels: batch.labels) }
        model.backward(try XCTUnwrap(loss.gradient))
        let trainable = model.parameters.filter(\.trainable)
        let before = trainable.map { $0.value.array }, gradients = trainable.map { $0.grad.array }
        model.zeroGrad()
        let gates = trainable.indices.filter { trainable[$0].group == "sigmoid-bn" }
        XCTAssertFalse(gates.isEmpty, "norm=sigmoid gives the model sigmoid-BN gates")

        let lr: Float = 0.01, wd: Float = 0.5
        run("train epochs=1 batch=64 lr=0.01 momentum=0 nesterov=false wd=0.5 schedule=const\n", session)
        for (k, p) in trainable.enumerated() {
            let gate = gates.contains(k)
            let after = p.value.array
            for i in 0..<after.count {
                let w = before[k][i], g = gradients[k][i]
                let expected = gate ? w - 10 * lr * g : w - lr * (g + wd * w)
                XCTAssertEqual(after[i], expected, accuracy: 1e-5 + 1e-3 * abs(expected - w),
                               "\(p.name)[\(i)] (\(gate ? "gate: 10x rate, no decay" : "ordinary parameter"))")
            }
        }
    }
}

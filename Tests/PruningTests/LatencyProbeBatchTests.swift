import Engine
import Foundation
import Pruning
import XCTest

/// The latency probe of `prune` sizes its batch from the internal-batch memory budget, from the
/// model before pruning, and times the pruned model on the same batch; its timed runs stop at
/// `maxSeconds`.
final class LatencyProbeBatchTests: XCTestCase {
    func testProbeOfALargeInputModelUsesTheBoundedBatchBeforeAndAfter() throws {
        let model = try Zoo.build("vgg11", ZooOptions(inputShape: [3, 224, 224], classes: 10, width: 0.0625, seed: 0))
        let perSample = try InternalBatch.activationBytesPerSample(model)
        // A budget of four samples' activations: the probe must not take the default 256.
        let latency = LatencyOptions.bounded(for: model, budget: 4.5 * perSample)
        XCTAssertEqual(latency.batch, 4)
        let scores = try MagnitudeScorer().score(model, data: nil, options: ScoreOptions(granularity: .channels))
        let report = try Pruner.prune(model, scores: scores, request: PruneRequest(amount: .ratio(0.5), scope: .local), latency: latency)
        XCTAssertEqual(report.before.latencyBatch, 4)
        XCTAssertEqual(report.after.latencyBatch, 4, "the pruned model is timed on the same batch, so the two compare")
        XCTAssertNotNil(report.speedup)
    }

    func testSmallModelsKeepBatch256() throws {
        let model = try Zoo.build("lenet300", ZooOptions(inputShape: [1, 28, 28], classes: 10, seed: 0))
        XCTAssertEqual(LatencyOptions.bounded(for: model, budget: Double(1 << 30)).batch, 256)
    }

    func testTimedRunsStopAtTheTimeCap() throws {
        let model = try Zoo.build("lenet300", ZooOptions(inputShape: [1, 28, 28], classes: 10, seed: 0))
        let counter = ForwardCounter()
        model.observers = [counter]
        _ = try Latency.measure(model, LatencyOptions(batch: 2, runs: 1000, warmup: 0, maxSeconds: 0))
        XCTAssertEqual(counter.forwards, 1, "a zero cap stops after the first timed run, not after 1000")
    }
}

/// Counts forward passes (the first layer's forwards).
private final class ForwardCounter: ModelObserver {
    var forwards = 0
    func didForward(model: Model, node: Int, inputs: [Tensor], output: Tensor, mode: Mode) { if node == 1 { forwards += 1 } }
}

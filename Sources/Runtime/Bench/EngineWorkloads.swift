import Engine
import Foundation
import Pruning

/// The workloads of the PyTorch reference (`shared/bench/torch_ref.py`), on the same shapes,
/// batch sizes and optimizer settings, so the two can be compared side by side.
public enum EngineWorkloads {
    /// MNIST normalised exactly as the reference does: (x - 0.1307) / 0.3081.
    static func mnist() throws -> DataBundle {
        try DataCatalog.load("mnist", DataOptions(normalization: .fixed(.mnist)))
    }

    static func trainEpoch(_ model: Model, _ data: Dataset, batch: Int, lr: Float) throws -> Double {
        var o = TrainOptions()
        o.epochs = 1
        o.batchSize = batch
        o.learningRate = lr
        o.momentum = 0.9
        return try Trainer(model: model, options: o).run(on: data).samplesPerSecond
    }

    /// One training epoch as a bench line: samples/s, and `peak_rss_mb`, the process's peak
    /// resident memory while the epoch ran (PeakMemory: what was resident before it, data and
    /// model included, plus training's own allocations), compared with PyTorch's by
    /// scripts/bench-compare.
    static func trainResult(_ name: String, _ model: Model, _ data: Dataset, batch: Int, lr: Float) throws -> BenchResult {
        let wasReset = PeakMemory.reset()
        let sps = try trainEpoch(model, data, batch: batch, lr: lr)
        var extra = ["peak_rss_mb": PeakMemory.megabytes()]
        if !wasReset { extra["peak_since_process_start"] = 1 }
        return BenchResult(name, samplesPerSecond: sps, extra: extra)
    }

    /// Best of `reps` passes, as the reference measures inference.
    static func infer(_ model: Model, _ data: Dataset, batch: Int = 256, reps: Int = 3) -> Double {
        var best = 0.0
        for _ in 0..<reps {
            let t = timed { _ = try? Evaluator.evaluate(model, on: data, batchSize: batch) }
            best = max(best, Double(data.count) / t)
        }
        return best
    }

    public static func mnistModels(_ which: Set<String>) throws -> [BenchResult] {
        var out: [BenchResult] = []
        guard !which.isDisjoint(with: ["lenet300", "lenet5"]) else { return out }
        let data = try mnist()
        for (name, tag, lr) in [("lenet300", "lenet300", Float(0.1)), ("lenet5", "lenet5", Float(0.05))] where which.contains(name) {
            let model = try Zoo.build(name, ZooOptions(inputShape: data.train.sampleShape, classes: 10, seed: 0))
            var train = try trainResult("\(tag)-mnist-train-epoch", model, data.train, batch: 128, lr: lr)
            train.extra["test_acc"] = try Evaluator.evaluate(model, on: data.test).top1
            out.append(train)
            out.append(BenchResult("\(tag)-mnist-infer", samplesPerSecond: infer(model, data.test)))
        }
        return out
    }

    /// vgg-small on 5000 random 3x32x32 samples (batch 64, lr 0.01), inference on 2048.
    public static func vggSmall() throws -> [BenchResult] {
        let data = try SyntheticData.make(.init(trainCount: 5000, testCount: 1, classes: 10, sampleShape: [3, 32, 32]),
                                          seed: 0).train
        let model = try Zoo.build("vgg-small", ZooOptions(inputShape: [3, 32, 32], classes: 10, seed: 0))
        let train = try trainResult("vggsmall-32x32-train-epoch", model, data, batch: 64, lr: 0.01)
        let infer2048 = try data.prefix(2048)
        var out = [train,
                   BenchResult("vggsmall-32x32-infer", samplesPerSecond: infer(model, infer2048))]
        let half = try Zoo.build("vgg-small", ZooOptions(inputShape: [3, 32, 32], classes: 10, width: 0.5, seed: 0))
        out.append(BenchResult("vggsmall-half-width-32x32-infer", samplesPerSecond: infer(half, infer2048)))
        // The trained model with half of every conv layer's filters removed physically (L1 norm,
        // local): what `score magnitude granularity=channels; prune 0.5 local` produces.
        let scores = try MagnitudeScorer().score(model, data: nil, options: ScoreOptions(granularity: .channels))
        try Pruner.prune(model, scores: scores, request: PruneRequest(amount: .ratio(0.5), scope: .local))
        out.append(BenchResult("vggsmall-pruned50-32x32-infer", samplesPerSecond: infer(model, infer2048)))
        return out
    }

    /// ResNet-20 (CIFAR, option-A shortcuts) on `samples` random 3x32x32 samples, one epoch at
    /// batch 64 (lr 0.01, momentum 0.9), then inference on the same samples at batch 256: the
    /// reference's `resnet` group (1280 samples there). Fewer samples only in tests.
    public static func resnet20(samples: Int = 1280) throws -> [BenchResult] {
        let data = try SyntheticData.make(.init(trainCount: samples, testCount: 1, classes: 10, sampleShape: [3, 32, 32]),
                                          seed: 1).train
        let model = try Zoo.build("resnet20", ZooOptions(inputShape: [3, 32, 32], classes: 10, seed: 0))
        return [try trainResult("resnet20-32x32-train-epoch", model, data, batch: 64, lr: 0.01),
                BenchResult("resnet20-32x32-infer", samplesPerSecond: infer(model, data))]
    }
}

import Engine
import Foundation
import Pruning

/// `score-<method>-lenet300-mnist`: seconds to score a trained LeNet-300-100 on the MNIST
/// training set with every scorer this build has, beside the seconds of one training epoch
/// (the target: each scorer below one epoch).
public enum ScorerWorkloads {
    public static func all() throws -> [BenchResult] {
        let data = try EngineWorkloads.mnist()
        let model = try Zoo.build("lenet300", ZooOptions(inputShape: data.train.sampleShape, classes: 10, seed: 0))
        var o = TrainOptions()
        o.epochs = 1
        let epoch = timed { _ = try? Trainer(model: model, options: o).run(on: data.train) }
        var out = [BenchResult("train-epoch-lenet300-mnist", seconds: epoch)]
        for name in MethodCatalog.availableScorers {
            guard let scorer = MethodCatalog.scorer(name) else { continue }
            // Each method with its own default sample count (contribution and screening: the whole split).
            let options = ScoreOptions(granularity: .weights)
            var failure: Error?
            let t = timed { do { _ = try scorer.score(model, data: data.train, options: options) } catch { failure = error } }
            if let failure {
                FileHandle.standardError.write(Data("bench: score-\(name)-lenet300-mnist skipped: \(failure)\n".utf8))
                continue
            }
            out.append(BenchResult("score-\(name)-lenet300-mnist", seconds: t, extra: ["epochs": t / epoch]))
        }
        return out
    }
}

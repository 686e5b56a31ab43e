import Engine
import Foundation
import Pruning

/// `score-<method>-lenet300-mnist`: seconds to score a trained LeNet-300-100 on the MNIST
/// training set with every scorer this build has, beside the seconds of one training epoch
/// (the target: each scorer below one epoch). Node methods (mipp) score neurons; mipp is also
/// timed with its MLP predictor (`score-mipp-mlp-lenet300-mnist`).
public enum ScorerWorkloads {
    /// Granularity and options each scorer is timed with, under the workload's name suffix: the
    /// method's natural granularity, and mipp also with its MLP predictor.
    static func variants(_ method: ScoringMethod) throws -> [(suffix: String, options: ScoreOptions)] {
        let natural = ScoreOptions(granularity: method.defaultGranularity)
        guard method.name == "mipp" else { return [(method.name, natural)] }
        return [("mipp", natural),
                ("mipp-mlp", ScoreOptions(granularity: method.defaultGranularity,
                                          method: try method.values(["predictor": .word("mlp")])))]
    }

    public static func all() throws -> [BenchResult] {
        let data = try EngineWorkloads.mnist()
        let model = try Zoo.build("lenet300", ZooOptions(inputShape: data.train.sampleShape, classes: 10, seed: 0))
        var o = TrainOptions()
        o.epochs = 1
        let epoch = timed { _ = try? Trainer(model: model, options: o).run(on: data.train) }
        var out = [BenchResult("train-epoch-lenet300-mnist", seconds: epoch)]
        for method in MethodCatalog.scoring {
            let scorer = method.scorer()
            // Each method with its own default sample count (contribution: the first 4,000; screening: the whole split).
            for (suffix, options) in try variants(method) {
                var failure: Error?
                let t = timed { do { _ = try scorer.score(model, data: data.train, options: options) } catch { failure = error } }
                if let failure {
                    FileHandle.standardError.write(Data("bench: score-\(suffix)-lenet300-mnist skipped: \(failure)\n".utf8))
                    continue
                }
                out.append(BenchResult("score-\(suffix)-lenet300-mnist", seconds: t, extra: ["epochs": t / epoch]))
            }
        }
        return out
    }
}

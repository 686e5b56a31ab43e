import Engine

/// `score receding`: a channel's (or neuron's) importance is its sigmoid batch-norm gate
/// sigma(theta), without the penalty's shift, bounded in (0, 1). The set asks every layer to keep
/// at least 3 units, as the authors' pruning does.
public struct RecedingScorer: Scorer {
    public let name = "receding"
    public let needsData = false
    /// Units every layer keeps at least, whatever the requested fraction.
    public static let minKeep = 3
    public init() {}

    public func score(_ model: Model, data: Dataset?, options: ScoreOptions) throws -> ScoreSet {
        try RecedingPenalty.check(model, verb: "score receding")
        guard let (_, groups) = try BaselineScorers.structure(model, options) else {
            throw PruningError(.badOption, "score receding ranks whole channels or neurons by their sigmoid batch-norm gates; use granularity=channels (or granularity=neurons for dense layers)")
        }
        var set = ScoreSet(method: name, granularity: options.granularity, minKeep: RecedingScorer.minKeep,
                           quantileThreshold: true)
        for g in groups {
            guard let bn = g.followers.lazy.compactMap({ model.nodes[$0].layer as? SigmoidBatchNorm }).first else {
                throw PruningError(.unsupportedModel, "score receding needs a sigmoid batch norm after \(g.name), which has none; load the model with norm=sigmoid")
            }
            set.units[g.name] = bn.importances
        }
        return set
    }
}

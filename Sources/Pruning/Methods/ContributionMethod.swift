import Engine

/// Entry point of the relative-contribution method (METHODS.md §1): `score contribution` and
/// the pruning-aware training term `train penalty=pat`.
enum ContributionMethod {
    static func scorer() -> Scorer? { ContributionScorer() }

    /// `penalty=pat`: lambda (default `PATPenalty.defaultLambda`) times the mean entropy of the
    /// contribution shares; it reads no other option.
    static func penalty(lambda: Float?, options: [String: Double], model: Model) throws -> TrainingPenalty? {
        try PATPenalty(model: model, lambda: lambda ?? PATPenalty.defaultLambda)
    }
}

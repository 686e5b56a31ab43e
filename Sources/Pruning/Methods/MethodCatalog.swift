import Engine

/// Every scoring method and training penalty by the name scripts use. The baselines live in
/// BaselineScorers; each published method has its own folder file(s) and one line here.
public enum MethodCatalog {
    /// The scorer for `score NAME`, or nil when this build does not have it.
    public static func scorer(_ name: String) -> Scorer? {
        if let s = BaselineScorers.make(name) { return s }
        switch name {
        case "receding": return RecedingMethod.scorer()
        case "contribution": return ContributionMethod.scorer()
        case "screening": return ScreeningMethod.scorer()
        case "mipp": return MIPPMethod.scorer()
        default: return nil
        }
    }

    /// Names of the scorers this build has.
    public static var availableScorers: [String] {
        (BaselineScorers.names + ["receding", "contribution", "screening", "mipp"]).filter { scorer($0) != nil }
    }

    /// The penalty for `train penalty=NAME`, or nil when this build does not have it.
    /// `lambda` is nil when the script left it to the method's default.
    public static func penalty(_ name: String, lambda: Float?, options: [String: Double], model: Model) throws -> TrainingPenalty? {
        switch name {
        case "l1":
            try L1ScalePenalty.check(model)
            return try L1ScalePenalty(lambda: lambda ?? 1e-4)
        case "receding": return try RecedingMethod.penalty(lambda: lambda, options: options, model: model)
        case "pat": return try ContributionMethod.penalty(lambda: lambda, options: options, model: model)
        default: return nil
        }
    }
}

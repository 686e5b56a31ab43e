import Engine

/// Entry point of receding neuron importances (Suteu and Guo 2022) for MethodCatalog:
/// `score receding` (gates sigma(theta) of sigmoid batch norms) and `train penalty=receding`.
enum RecedingMethod {
    static func scorer() -> Scorer? { RecedingScorer() }

    /// The training penalty; `lambda` nil and a missing `shift` take the authors' code defaults
    /// (1e-4 and 3). Fails at once on a model without sigmoid batch norms.
    static func penalty(lambda: Float?, options: [String: Double], model: Model) throws -> TrainingPenalty? {
        try RecedingPenalty.check(model)
        let shift = options["shift"].map { Float($0) } ?? RecedingPenalty.defaultShift
        return try RecedingPenalty(lambda: lambda ?? RecedingPenalty.defaultLambda, shift: shift)
    }
}

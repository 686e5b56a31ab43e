import Engine

/// Entry point of this method for MethodCatalog. Not built yet: returning nil makes
/// `score` and `train` say "not available yet" instead of pretending.
enum RecedingMethod {
    static func scorer() -> Scorer? { nil }
    /// The training penalty, or nil until it is built.
    static func penalty(lambda: Float?, options: [String: Double], model: Model) throws -> TrainingPenalty? { nil }
}

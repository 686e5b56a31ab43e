import Engine

/// Entry point of screening by class-wise significance (METHODS.md §2): `score screening`.
enum ScreeningMethod {
    static func scorer() -> Scorer? { ScreeningScorer() }
}

import Engine

/// Entry point of this method for MethodCatalog. Not built yet: returning nil makes
/// `score` and `train` say "not available yet" instead of pretending.
enum MIPPMethod {
    static func scorer() -> Scorer? { nil }
}

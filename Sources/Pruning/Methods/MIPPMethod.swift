import Engine

/// Entry point of this method for MethodCatalog: mutual-information preserving pruning
/// (MIPPScorer; the formulation is in docs/methods/mipp.md).
enum MIPPMethod {
    static func scorer() -> Scorer? { MIPPScorer() }
}

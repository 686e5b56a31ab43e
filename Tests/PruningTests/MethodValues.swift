import Pruning

/// Method options as a script would give them, checked by the catalog as `score` checks them.
func methodValues(_ method: String, _ given: [String: MethodOptionValue]) throws -> MethodOptionValues {
    guard let entry = MethodCatalog.scoring(method) else { throw PruningError(.badOption, "no method \(method)") }
    return try entry.values(given)
}

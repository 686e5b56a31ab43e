import Engine
import Language

/// `score METHOD`: computes importances of weights or units.
enum ScoreVerb {
    static let signature = VerbSignature(
        "score", summary: "compute importance scores with a pruning method",
        arguments: [ArgumentSpec("method", .choice(Vocabulary.methods), help: "scoring method", noun: "scoring method")],
        options: [
            OptionSpec("granularity", .choice(Vocabulary.granularities), default: .word("weights"), noun: "granularity"),
            OptionSpec("samples", .integer(min: 1, max: nil), help: "training samples the method looks at (default: method's own)"),
            OptionSpec("p", .integer(min: 1, max: 2), default: .number(1), help: "magnitude: norm of a unit's weights (1 or 2)"),
            OptionSpec("batch", .integer(min: 1, max: 65_536), default: .number(128)),
        ],
        resultFields: [ResultField("units", "number of scored weights or units"), ResultField("seconds", "time taken")],
        requires: ["model"], provides: ["scores"])

    static func run(_ inv: VerbInvocation, _ s: Session) throws -> Value {
        _ = try s.requireModel("score")
        let method = inv.text("method") ?? ""
        throw VerbError("scoring method '\(method)' is not available yet in this version of prn")
    }
}

/// `prune AMOUNT [SCOPE]`: removes the least important weights or units.
enum PruneVerb {
    static let signature = VerbSignature(
        "prune", summary: "remove the least important weights or units",
        arguments: [
            ArgumentSpec("amount", .oneOf([.fraction(lowerOpen: true, upperOpen: true), .choice([Choice("auto", "the method decides (mipp)")])]),
                         help: "fraction to remove, or auto"),
            ArgumentSpec("scope", .choice(Vocabulary.scopes), default: .word("global"), noun: "scope"),
        ],
        options: [
            OptionSpec("min_keep", .integer(min: 0, max: nil), help: "units every layer keeps (default 1; receding 3)"),
            OptionSpec("steps", .integer(min: 1, max: 100), default: .number(1), help: "prune in this many geometric steps"),
        ],
        resultFields: [ResultField("sparsity", "realized fraction of prunable parameters removed"),
                       ResultField("params", "parameters after pruning"), ResultField("flops", "FLOPs per sample after pruning")],
        requires: ["scores"], provides: ["pruned"])

    static func run(_ inv: VerbInvocation, _ s: Session) throws -> Value {
        _ = try s.requireModel("prune")
        throw VerbError("prune needs scores: run 'score METHOD' first")
    }
}

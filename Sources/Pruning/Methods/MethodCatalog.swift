import Engine

/// What a method needs of the model beyond a granularity it can score: the normalisation layers
/// it reads. The checker refuses a script whose `load` is known to build a model without them.
public enum ModelNeed: Sendable {
    case batchNorm, sigmoidBatchNorm

    /// The `load ... norm=` values that build the layers.
    public var norms: [NormKind] {
        switch self {
        case .batchNorm: return [.bn]
        case .sigmoidBatchNorm: return [.sigmoid]
        }
    }

    /// Why a method needs them, as the checker's message says it.
    public var reason: String {
        switch self {
        case .batchNorm: return "it reads the scales of batch norms"
        case .sigmoidBatchNorm: return "it reads the gates of sigmoid batch norms"
        }
    }
}

/// A scoring method as `score NAME` knows it: everything the language, `:help`, completion and
/// the docs say about it, and how to make its scorer.
public struct ScoringMethod: Sendable {
    public let name: String
    public let help: String
    /// The granularities the method scores, and the one it scores when the script names none.
    public let granularities: [Granularity]
    public let defaultGranularity: Granularity
    /// The method's own options (beyond granularity, which every method takes): `samples`,
    /// `batch` and `p` belong only to the methods that read them.
    public let options: [MethodOptionSpec]
    /// The layers the method reads (nil: any model).
    public let needs: ModelNeed?
    /// The training penalty the method's publication trains with before scoring (slimming: l1),
    /// and the method that computes the same score without it (bn-scale): `score` refuses a
    /// model the session does not know was trained with the penalty and names the other method.
    public let requiresPenalty: (penalty: String, otherwise: String)?
    private let make: @Sendable () -> Scorer

    init(_ name: String, _ help: String, granularities: [Granularity] = Granularity.allCases,
         default defaultGranularity: Granularity = .weights, options: [MethodOptionSpec] = [], needs: ModelNeed? = nil,
         requiresPenalty: (penalty: String, otherwise: String)? = nil, make: @escaping @Sendable () -> Scorer) {
        self.needs = needs
        self.name = name
        self.help = help
        self.granularities = granularities
        self.defaultGranularity = defaultGranularity
        self.options = options
        self.requiresPenalty = requiresPenalty
        self.make = make
    }

    public func scorer() -> Scorer { make() }
    /// Whether `score` needs a dataset, as the scorer says.
    public var needsData: Bool { make().needsData }

    /// The options a script gave, checked against the method's declarations.
    public func values(_ given: [String: MethodOptionValue]) throws -> MethodOptionValues {
        try MethodOptionValues(given, declared: options, method: name)
    }
}

/// A training penalty as `train penalty=NAME` knows it.
public struct PenaltyMethod: Sendable {
    public let name: String
    public let help: String
    public let options: [MethodOptionSpec]
    /// The layers the penalty acts on (nil: any model).
    public let needs: ModelNeed?
    private let make: @Sendable (MethodOptionValues, Model) throws -> TrainingPenalty?

    init(_ name: String, _ help: String, options: [MethodOptionSpec] = [], needs: ModelNeed? = nil,
         make: @escaping @Sendable (MethodOptionValues, Model) throws -> TrainingPenalty?) {
        self.needs = needs
        self.name = name
        self.help = help
        self.options = options
        self.make = make
    }

    /// The penalty for `model`, nil for `none`. Fails at once on a model the penalty cannot train.
    public func penalty(_ given: [String: MethodOptionValue], model: Model) throws -> TrainingPenalty? {
        try make(MethodOptionValues(given, declared: options, method: "penalty=\(name)"), model)
    }
}

/// Every scoring method and training penalty by the name scripts use: the one list the
/// language's method words, `score`'s options, completion and the docs derive from. Adding a
/// method is its scorer file(s) and one entry here.
public enum MethodCatalog {
    public static let scoring: [ScoringMethod] = [
        ScoringMethod("random", "seeded random importances (baseline)") { RandomScorer() },
        ScoringMethod("magnitude", "|w| per weight, L1/L2 norm per unit (baseline)",
                      options: MagnitudeScorer.options) { MagnitudeScorer() },
        ScoringMethod("taylor", "first-order |g*w| streamed over batches (baseline)",
                      options: TaylorScorer.options) { TaylorScorer() },
        ScoringMethod("slimming", "|gamma| of batch-norm scales trained with penalty=l1, one global threshold (network slimming)",
                      granularities: [.channels, .neurons], default: .channels, needs: .batchNorm, requiresPenalty: (penalty: "l1", otherwise: "bn-scale")) { SlimmingScorer() },
        ScoringMethod("bn-scale", "|gamma| of batch-norm scales of a model trained without the L1 penalty (baseline)",
                      granularities: [.channels, .neurons], default: .channels, needs: .batchNorm) { SlimmingScorer.bnScale() },
        ScoringMethod("receding", "sigmoid batch-norm importances (receding neuron importances)",
                      granularities: [.channels, .neurons], default: .channels, needs: .sigmoidBatchNorm) { RecedingScorer() },
        ScoringMethod("contribution", "relative contributions from activation statistics",
                      options: ContributionScorer.options) { ContributionScorer() },
        ScoringMethod("screening", "class-wise F-statistics with magnitude (screening)",
                      options: ScreeningScorer.options) { ScreeningScorer() },
        ScoringMethod("mipp", "mutual-information preserving pruning",
                      granularities: [.neurons, .channels], default: .neurons, options: MIPPScorer.options) { MIPPScorer() },
    ]

    public static let penalties: [PenaltyMethod] = [
        PenaltyMethod("none", "plain cross-entropy") { _, _ in nil },
        PenaltyMethod("l1", "lambda * sum |gamma| over batch-norm scales (network slimming)",
                      options: [L1ScalePenalty.lambdaOption.spec], needs: .batchNorm) { values, model in
            try L1ScalePenalty.check(model)
            return try L1ScalePenalty(lambda: Float(values[L1ScalePenalty.lambdaOption]))
        },
        PenaltyMethod("receding", "lambda * sum u(1 - ln u), u = sigma(theta + shift) (needs norm=sigmoid)",
                      options: [RecedingPenalty.lambdaOption.spec, RecedingPenalty.shiftOption.spec],
                      needs: .sigmoidBatchNorm) { values, model in
            try RecedingPenalty.check(model)
            return try RecedingPenalty(lambda: Float(values[RecedingPenalty.lambdaOption]),
                                       shift: Float(values[RecedingPenalty.shiftOption]))
        },
        PenaltyMethod("pat", "pruning-aware training: entropy of relative contributions",
                      options: [PATPenalty.lambdaOption.spec]) { values, model in
            try PATPenalty(model: model, lambda: Float(values[PATPenalty.lambdaOption]))
        },
    ]

    public static func scoring(_ name: String) -> ScoringMethod? { scoring.first { $0.name == name } }
    public static func penalty(_ name: String) -> PenaltyMethod? { penalties.first { $0.name == name } }
}

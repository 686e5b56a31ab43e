import Engine

/// The baseline scorers every result is compared against, by the names the `score` verb uses.
public enum BaselineScorers {
    public static let names = ["random", "magnitude", "taylor", "slimming", "bn-scale"]

    public static func make(_ name: String) -> Scorer? {
        switch name {
        case "random": return RandomScorer()
        case "magnitude": return MagnitudeScorer()
        case "taylor": return TaylorScorer()
        case "slimming": return SlimmingScorer()
        case "bn-scale": return SlimmingScorer.bnScale()
        default: return nil
        }
    }

    /// Groups to score for a structured granularity, or nil for weights.
    /// Methods that score a unit through the layers reading it need a reader per producer; a
    /// producer whose channels are only read after a concatenation (SqueezeNet's expand
    /// convolutions) has none, and scoring it zero would prune it first.
    static func requireReaders(_ groups: [PruningGroup], method: String) throws {
        guard let g = groups.first(where: { $0.consumers.isEmpty }) else { return }
        throw PruningError(.unsupportedModel, "\(method) scores a unit through the layers that read it, and no layer reads the \(g.granularity.rawValue) of \(g.name) on their own (a concatenation joins them with others first); score this model with magnitude, taylor or random")
    }

    static func structure(_ model: Model, _ options: ScoreOptions) throws -> (StructureAnalysis, [PruningGroup])? {
        guard options.granularity.isStructured else { return nil }
        let s = try StructureAnalysis(model)
        return (s, try s.requireGroups(options.granularity))
    }
}

/// Seeded uniform scores in [0, 1): the floor any method must beat.
public struct RandomScorer: Scorer {
    public let name = "random"
    public let needsData = false
    public init() {}

    public func score(_ model: Model, data: Dataset?, options: ScoreOptions) throws -> ScoreSet {
        var rng = RandomStream(seed: options.seed, stream: "score.random")
        var set = ScoreSet(method: name, granularity: options.granularity)
        if let (_, groups) = try BaselineScorers.structure(model, options) {
            for g in groups { set.units[g.name] = (0..<g.units).map { _ in rng.uniform() } }
        } else {
            for p in PrunableWeights.of(model) { set.weights[p.name] = (0..<p.value.count).map { _ in rng.uniform() } }
        }
        return set
    }
}

/// |w| per weight; per unit the L1 (`norm=1`) or L2 (`norm=2`) norm of the unit's filter/row
/// in the producer (Li et al.'s filter norm).
public struct MagnitudeScorer: Scorer {
    public let name = "magnitude"
    public let needsData = false
    static let p = MethodOption<Int>.integer("p", 1...2, default: 1, help: "norm of a unit's weights (1 or 2)")
    static let options = [p.spec]
    public init() {}

    public func score(_ model: Model, data: Dataset?, options: ScoreOptions) throws -> ScoreSet {
        let norm = options.method[MagnitudeScorer.p]
        guard norm == 1 || norm == 2 else {
            throw PruningError(.badOption, "magnitude: p=\(norm) is not supported; use p=1 (L1 norm) or p=2 (L2 norm)")
        }
        var set = ScoreSet(method: name, granularity: options.granularity)
        if let (_, groups) = try BaselineScorers.structure(model, options) {
            for g in groups {
                guard let w = PrunableWeights.producerWeight(model, g)?.weight else { continue }
                set.units[g.name] = UnitNorms.rows(w.value, p: norm)
            }
        } else {
            for p in PrunableWeights.of(model) { set.weights[p.name] = p.value.array.map { abs($0) } }
        }
        return set
    }
}

/// Network slimming (Liu et al. 2017): a channel's importance is |gamma| of its BatchNorm, after
/// training with an L1 penalty on the scales (`train penalty=l1`), pruned `global` by one
/// quantile threshold of the raw |gamma| (the penalty puts every layer's scales on one scale).
///
/// `bnScale()` is the same |gamma| of a model trained without the penalty, under its own name:
/// unpenalised scales of different layers are not on one scale, so it is normalised per layer
/// (mean) and pruned by count like the other baselines.
public struct SlimmingScorer: Scorer {
    public let name: String
    public let needsData = false
    let normalization: ScoreNormalization
    let quantileThreshold: Bool

    public init() {
        name = "slimming"
        normalization = .none
        quantileThreshold = true
    }

    private init(name: String, normalization: ScoreNormalization, quantileThreshold: Bool) {
        self.name = name
        self.normalization = normalization
        self.quantileThreshold = quantileThreshold
    }

    public static func bnScale() -> SlimmingScorer {
        SlimmingScorer(name: "bn-scale", normalization: .mean, quantileThreshold: false)
    }

    public func score(_ model: Model, data: Dataset?, options: ScoreOptions) throws -> ScoreSet {
        guard let (_, groups) = try BaselineScorers.structure(model, options) else {
            throw PruningError(.badOption, "\(name) scores channels or neurons through BatchNorm scales; use granularity=channels (or neurons)")
        }
        var set = ScoreSet(method: name, granularity: options.granularity, quantileThreshold: quantileThreshold,
                           normalization: normalization)
        for g in groups {
            guard let bn = g.followers.lazy.compactMap({ model.nodes[$0].layer as? BatchNorm }).first else {
                throw PruningError(.unsupportedModel, "\(name) needs a BatchNorm after \(g.name), which has none; load the model with norm=bn or use magnitude")
            }
            set.units[g.name] = bn.weight.value.array.map { abs($0) }
        }
        return set
    }
}

/// Per-unit weight norms, also the ranking of the `uniform` allocation.
public enum UnitNorms {
    /// Norm of each leading-dimension row of `w` ([units, ...]).
    public static func rows(_ w: Tensor, p: Int) -> [Float] {
        let units = w.shape[0], fan = w.count / max(units, 1)
        return (0..<units).map { u in
            let row = w.data + u * fan
            var s: Double = 0
            if p == 1 { for i in 0..<fan { s += Double(abs(row[i])) } }
            else { for i in 0..<fan { s += Double(row[i]) * Double(row[i]) } ; s = s.squareRoot() }
            return Float(s)
        }
    }
}

import Engine

/// Importance scores from one scoring method: higher means more important.
///
/// Per-weight scores are keyed by parameter name (flattened in the weight's own element order);
/// per-unit scores by group name (the producer node, see `StructureAnalysis`). Methods that decide
/// by themselves which units to keep (`prune auto`) add keep decisions under the same keys.
/// A value type: checkpoints copy it for free.
public struct ScoreSet: Sendable, Codable, Equatable {
    public var method: String
    public var granularity: Granularity
    public var weights: [String: [Float]]
    public var units: [String: [Float]]
    /// true = keep; by parameter name (weights) or group name (units).
    public var decisions: [String: [Bool]]
    /// A floor the method sets under every layer's `min_keep` (receding keeps at least 3);
    /// the allocator uses the larger of this and the request's.
    public var minKeep: Int?
    /// The method's publication prunes `global` by one quantile threshold of the scores rather
    /// than by count (receding, slimming; see `Allocator`): set by the scorer, not by its name.
    public var quantileThreshold: Bool
    /// How `global` allocation puts these scores on one scale per layer unless the script says
    /// otherwise: the method's own choice, set by the scorer (docs/pruning.md gives each reason).
    public var normalization: ScoreNormalization

    public init(method: String, granularity: Granularity, weights: [String: [Float]] = [:],
                units: [String: [Float]] = [:], decisions: [String: [Bool]] = [:], minKeep: Int? = nil,
                quantileThreshold: Bool = false, normalization: ScoreNormalization = .none) {
        self.method = method
        self.granularity = granularity
        self.weights = weights
        self.units = units
        self.decisions = decisions
        self.minKeep = minKeep
        self.quantileThreshold = quantileThreshold
        self.normalization = normalization
    }

    /// Whether `prune auto` can use this set.
    public var decides: Bool { !decisions.isEmpty }

    /// Checks every entry against the model (names exist, sizes match, values are numbers), so a
    /// stale set (computed before surgery changed the widths) is refused with a clear message.
    public func validate(against model: Model, structure: StructureAnalysis) throws {
        let hint = "run score again on the current model"
        if let m = minKeep, m < 1 { throw PruningError(.badOption, "scores from '\(method)' ask for min_keep=\(m); it must be at least 1") }
        switch granularity {
        case .weights:
            let prunable = PrunableWeights.of(model)
            for p in prunable {
                guard let s = weights[p.name] else {
                    throw PruningError(.staleState, "scores from '\(method)' have no entry for weight \(p.name); \(hint)")
                }
                guard s.count == p.value.count else {
                    throw PruningError(.staleState, "scores from '\(method)' hold \(s.count) values for \(p.name), which now has \(p.value.count) weights; \(hint)")
                }
                if let d = decisions[p.name], d.count != s.count {
                    throw PruningError(.staleState, "keep decisions from '\(method)' for \(p.name) hold \(d.count) entries, expected \(s.count)")
                }
            }
            try checkFinite(weights)
        case .neurons, .channels:
            for g in try structure.requireGroups(granularity) {
                guard let s = units[g.name] else {
                    throw PruningError(.staleState, "scores from '\(method)' have no entry for \(granularity.rawValue) of \(g.name); \(hint)")
                }
                guard s.count == g.units else {
                    throw PruningError(.staleState, "scores from '\(method)' hold \(s.count) values for \(g.name), which now has \(g.units) \(granularity.rawValue); \(hint)")
                }
                if let d = decisions[g.name], d.count != g.units {
                    throw PruningError(.staleState, "keep decisions from '\(method)' for \(g.name) hold \(d.count) entries, expected \(g.units)")
                }
            }
            try checkFinite(units)
        }
    }

    private func checkFinite(_ table: [String: [Float]]) throws {
        for key in table.keys.sorted() {
            if let bad = table[key]?.firstIndex(where: { !$0.isFinite }) {
                throw PruningError(.staleState, "scores from '\(method)' for \(key) contain a non-finite value at index \(bad); the scoring run diverged or saw no data")
            }
        }
    }
}

/// What a scorer is asked: the granularity, the seed, and the method's own options (`k`, `alpha`,
/// `samples`, `batch`, `p`, ...), read through its declarations.
public struct ScoreOptions: Sendable {
    public var granularity: Granularity
    public var seed: UInt64
    /// The method's own options, checked against its declarations when a script gave them.
    public var method: MethodOptionValues
    /// Polled between batches by data-driven scorers: a requested stop ends scoring early.
    public var cancellation: CancellationFlag?

    /// `samples`, `batchSize` and `norm` (nil: the method's default) are shorthands for the
    /// method options `samples`, `batch` and `p`, for methods that declare them.
    public init(granularity: Granularity = .weights, seed: UInt64 = 0, samples: Int? = nil, batchSize: Int? = nil,
                norm: Int? = nil, method: MethodOptionValues = MethodOptionValues()) {
        self.method = method
        self.granularity = granularity
        self.seed = seed
        if let samples { self.method.setUnchecked("samples", .number(Double(samples))) }
        if let batchSize { self.method.setUnchecked("batch", .number(Double(batchSize))) }
        if let norm { self.method.setUnchecked("p", .number(Double(norm))) }
    }
}

/// A scoring method. Implementations return one score per weight (granularity weights) or per
/// unit of every group of the requested granularity.
public protocol Scorer {
    var name: String { get }
    /// Whether `score` needs a dataset (data-driven methods).
    var needsData: Bool { get }
    func score(_ model: Model, data: Dataset?, options: ScoreOptions) throws -> ScoreSet
}

/// The weights unstructured pruning may mask: every linear and conv weight, in graph order.
public enum PrunableWeights {
    public static func of(_ model: Model) -> [Parameter] {
        model.nodes.compactMap { node -> Parameter? in
            switch node.layer {
            case let l as Linear: return l.weight
            case let c as Conv2d: return c.weight
            default: return nil
            }
        }
    }

    /// The producer of a group: its weight ([units, ...], one row/filter per unit) and bias.
    public static func producerWeight(_ model: Model, _ group: PruningGroup) -> (weight: Parameter, bias: Parameter?)? {
        switch model.nodes[group.producer].layer {
        case let l as Linear: return (l.weight, l.bias)
        case let c as Conv2d: return (c.weight, c.bias)
        case let c as GeneralConv2d: return (c.weight, c.bias)
        default: return nil
        }
    }
}

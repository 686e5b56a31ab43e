/// How scores are put on one scale before a `global` ranking compares them across layers.
///
/// Applied per layer (one weight tensor) or per dependency group (one group's units), between
/// scoring and allocation, as Torch-Pruning's group normalisers do. Every mode but `standardize`
/// divides a layer's scores by one positive number, so the ranking within a layer (and `local`
/// and `uniform` allocation) never changes: only how layers trade against each other under
/// `global` does. Statistics are taken over the entries still eligible (weights already masked
/// by an earlier step do not pull a layer's mean down).
public enum ScoreNormalization: String, Sendable, Codable, CaseIterable {
    /// Scores as the method computed them.
    case none
    /// Divided by the layer's mean |score|: a score says how many times the layer's average it is.
    case mean
    /// Divided by the layer's largest |score|.
    case max
    /// Divided by the L2 norm of the layer's scores (Molchanov et al. 2017 for Taylor scores).
    case l2
    /// (score - mean) / standard deviation within the layer.
    case standardize

    public var help: String {
        switch self {
        case .none: return "compare raw scores across layers"
        case .mean: return "divide each layer's scores by their mean"
        case .max: return "divide each layer's scores by their maximum"
        case .l2: return "divide each layer's scores by their L2 norm"
        case .standardize: return "subtract each layer's mean, divide by its standard deviation"
        }
    }

    /// One layer's scores normalised; `eligible` (nil: all) selects the entries the statistics
    /// are taken over. A layer whose statistic is zero (all scores zero, or all equal under
    /// `standardize`) comes back all zero under `standardize` and unchanged otherwise.
    public func apply(_ scores: [Float], eligible: [Bool]? = nil) -> [Float] {
        guard self != .none, !scores.isEmpty else { return scores }
        var n = 0.0, sum = 0.0, sumAbs = 0.0, sumSquares = 0.0, largest = 0.0
        for i in scores.indices where eligible?[i] ?? true {
            let v = Double(scores[i])
            n += 1
            sum += v
            sumAbs += Swift.abs(v)
            sumSquares += v * v
            largest = Swift.max(largest, Swift.abs(v))
        }
        guard n > 0 else { return scores }
        let shift: Double, scale: Double
        switch self {
        case .none: return scores
        case .mean: shift = 0; scale = sumAbs / n
        case .max: shift = 0; scale = largest
        case .l2: shift = 0; scale = sumSquares.squareRoot()
        case .standardize:
            let mean = sum / n
            shift = mean
            scale = Swift.max(0, sumSquares / n - mean * mean).squareRoot()
            guard scale > 0, scale.isFinite else { return [Float](repeating: 0, count: scores.count) }
        }
        guard scale > 0, scale.isFinite else { return scores }
        return scores.map { Float((Double($0) - shift) / scale) }
    }
}

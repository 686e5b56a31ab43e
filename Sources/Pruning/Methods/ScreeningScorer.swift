import Engine

/// Screening by class-wise significance (Wang et al., arXiv 2502.07189; METHODS.md §2).
///
/// A unit's significance is the one-way ANOVA F-statistic of its value across the classes. For
/// weights, the units are the inputs of each linear layer (every feature, pixels included for a
/// layer that reads the image) and the input channels of each conv (spatially averaged); F cannot
/// tell a unit's outgoing weights apart, so the weighted scheme adds magnitude:
///   s_ij = alpha F~_i + (1 - alpha) M~_ij,  M_ij = |w_ij| std(x_i)
/// (for a conv, std over every entry of the input channel). For neurons and channels, F is taken
/// over the unit's value as the next layer reads it and combined with the filter's L1 norm:
///   s_c = alpha F~_c + (1 - alpha) L1~_c.
/// ~ divides by the layer's maximum (a layer whose maximum is 0 contributes 0).
/// Options: `alpha` in [0, 1] (0.5), `samples` (the whole split).
public struct ScreeningScorer: Scorer {
    public let name = "screening"
    public let needsData = true
    static let alpha = MethodOption<Double>.fraction("alpha", lowerOpen: false, upperOpen: false, default: 0.5,
                                                     help: "weight of the F-statistic against magnitude")
    static let samples = ScorerOptions.samples(default: .all, help: "the first N training samples, or all")
    static let options = [alpha.spec, samples.spec, ScorerOptions.batch.spec]
    public init() {}

    public func score(_ model: Model, data: Dataset?, options: ScoreOptions) throws -> ScoreSet {
        let alpha = options.method[ScreeningScorer.alpha]
        guard let data else { throw PruningError(.needsData, "screening needs data: choose a dataset (data NAME) before score screening") }
        let structure = try BaselineScorers.structure(model, options)
        if let (_, groups) = structure { try BaselineScorers.requireReaders(groups, method: name) }
        // (node whose input is screened, units of that input)
        var taps: [(node: Int, units: Int)] = []
        if let (_, groups) = structure {
            for g in groups { if let c = g.consumers.first { taps.append((c.node, g.units)) } }
        } else {
            for l in StatLayer.all(model) { taps.append((l.node, l.conv?.inChannels ?? l.fan)) }
        }
        let accumulators = taps.map { ScreeningAccumulator(units: $0.units, classes: max(data.classes, 1)) }
        try StatisticsPass.run(model, data: data, options: options, samples: options.method[ScreeningScorer.samples], method: name, watch: Set(taps.map(\.node))) { recorder, batch in
            for (t, acc) in zip(taps, accumulators) {
                guard let x = recorder.inputs[t.node] else { continue }
                try acc.add(x, labels: batch.labels)
            }
        }
        // The weighted scheme already divides each layer's parts by their maximum.
        var set = ScoreSet(method: name, granularity: options.granularity)
        if let (_, groups) = structure {
            var k = 0
            for g in groups {
                guard g.consumers.first != nil else { continue }
                let f = ScreeningScorer.normalised(accumulators[k].fStatistics()); k += 1
                let l1 = PrunableWeights.producerWeight(model, g).map { ScreeningScorer.normalised(UnitNorms.rows($0.weight.value, p: 1).map(Double.init)) }
                    ?? Array(repeating: 0, count: g.units)
                set.units[g.name] = (0..<g.units).map { Float(alpha * f[$0] + (1 - alpha) * l1[$0]) }
            }
        } else {
            for (l, acc) in zip(StatLayer.all(model), accumulators) {
                set.weights[l.weight.name] = ScreeningScorer.weightScores(l, acc, alpha: alpha)
            }
        }
        return set
    }

    static func weightScores(_ layer: StatLayer, _ acc: ScreeningAccumulator, alpha: Double) -> [Float] {
        let f = normalised(acc.fStatistics()), spread = acc.entrySpread()
        let w = layer.weight.value, fan = layer.fan, perUnit = fan / max(acc.units, 1)
        var magnitude = [Double](repeating: 0, count: w.count)
        for i in 0..<w.count { magnitude[i] = Double(abs(w.data[i])) * spread[(i % fan) / perUnit] }
        let m = normalised(magnitude)
        return (0..<w.count).map { i in Float(alpha * f[(i % fan) / perUnit] + (1 - alpha) * m[i]) }
    }

    /// Divides by the maximum; all zeros (or no finite positive maximum) stay zeros.
    static func normalised(_ v: [Double]) -> [Double] {
        let top = v.reduce(0) { $1.isFinite ? max($0, $1) : $0 }
        guard top > 0 else { return Array(repeating: 0, count: v.count) }
        return v.map { $0.isFinite ? $0 / top : 1 }
    }
}

import Engine

/// Relative contributions from activation statistics (Hussien et al., arXiv 2410.16151).
///
/// Per weight: the mean mu and standard deviation sigma over samples of the contribution
/// c_ij(x) (see `ContributionNorm`), with inactive units contributing 0 when `blind=true`;
/// score = mu + k * sigma. Per unit (neurons, channels): the sum of the mean contributions the
/// unit makes to the layers that read it (every weight of its columns or in-channels).
///
/// Options: `norm=share|preact` (share), `blind=true|false` (true), `k` >= 0 (1),
/// `samples` (the first 4,000, or `all`). Batches run in eval mode, so the model is left unchanged.
public struct ContributionScorer: Scorer {
    public let name = "contribution"
    public let needsData = true
    static let norm = MethodOption<ContributionNorm>.choice(
        "norm", default: .share, help: "how a contribution is normalised") { norm in
            switch norm {
            case .share: return "|w x| / (sum |w x| + |b|), bounded in [0, 1]"
            case .preact: return "|w x| / |a|, the paper's ratio"
            }
        }
    static let blind = MethodOption<Bool>.flag("blind", default: true, help: "inactive units (ReLU blind range) contribute 0")
    static let k = MethodOption<Double>.number("k", min: 0, default: 1, help: "score = mean + k * spread")
    /// A subset by default: on LeNet-300-100 the pruned accuracy does not move from 1,000 to
    /// 60,000 samples (docs/methods/contribution-screening.md), and the whole split costs more
    /// than a training epoch.
    static let samples = ScorerOptions.samples(default: .first(4000), help: "the first N training samples, or all")
    static let options = [norm.spec, blind.spec, k.spec, samples.spec, ScorerOptions.batch.spec]
    public init() {}

    struct Settings {
        var norm: ContributionNorm
        var blind: Bool
        var k: Double
    }

    static func settings(_ options: ScoreOptions) -> Settings {
        let values = options.method
        return Settings(norm: values[norm], blind: values[blind], k: values[k])
    }

    public func score(_ model: Model, data: Dataset?, options: ScoreOptions) throws -> ScoreSet {
        let settings = ContributionScorer.settings(options)
        let structure = try BaselineScorers.structure(model, options)
        if let (_, groups) = structure { try BaselineScorers.requireReaders(groups, method: name) }
        // Weights: every prunable layer. Units: the layers that read the groups.
        let nodes: [Int]
        if let (_, groups) = structure {
            nodes = Array(Set(groups.flatMap { $0.consumers.map(\.node) })).sorted()
        } else {
            nodes = PrunableWeights.of(model).isEmpty ? [] : StatLayer.all(model).map(\.node)
        }
        let layers = nodes.compactMap { StatLayer.of(model, node: $0) }
        let accumulators = layers.map { ContributionAccumulator($0, norm: settings.norm, blind: settings.blind,
                                                                threads: model.configuration.threads) }
        try StatisticsPass.run(model, data: data, options: options, samples: options.method[ContributionScorer.samples], method: name,
                               watch: Set(layers.flatMap { [$0.node] + ($0.activation.map { [$0] } ?? []) })) { recorder, _ in
            for acc in accumulators {
                guard let x = recorder.inputs[acc.layer.node], let a = recorder.outputs[acc.layer.node] else { continue }
                acc.add(input: x, preactivation: a, activation: acc.layer.activation.flatMap { recorder.outputs[$0] })
            }
        }
        // Shares scale with about 1/fan-in: one global ranking of raw shares starves wide layers
        // (docs/pruning.md, "Score normalisation", says why l2 and not mean).
        var set = ScoreSet(method: name, granularity: options.granularity, normalization: .l2)
        let moments = Dictionary(uniqueKeysWithValues: accumulators.map { ($0.layer.node, $0.moments()) })
        if let (_, groups) = structure {
            for g in groups {
                var units = [Double](repeating: 0, count: g.units)
                for c in g.consumers {
                    guard let m = moments[c.node], let layer = StatLayer.of(model, node: c.node) else { continue }
                    ContributionScorer.addColumnSums(m.mean, out: layer.outUnits, fan: layer.fan, units: g.units, into: &units)
                }
                set.units[g.name] = units.map { Float($0) }
            }
        } else {
            for acc in accumulators {
                guard let m = moments[acc.layer.node] else { continue }
                let k = Float(settings.k)
                set.weights[acc.layer.weight.name] = zip(m.mean, m.spread).map { $0 + k * $1 }
            }
        }
        return set
    }

    /// Unit u of the reading layer owns the contiguous input columns u*block ..< (u+1)*block
    /// (one column per dense input, H*W after a flatten, k*k in-channel taps of a conv).
    static func addColumnSums(_ mean: [Float], out: Int, fan: Int, units: Int, into sums: inout [Double]) {
        let block = fan / max(units, 1)
        guard block * units == fan else { return }
        mean.withUnsafeBufferPointer { m in
            for j in 0..<out {
                let row = j * fan
                for u in 0..<units {
                    var s: Double = 0
                    for c in (u * block)..<((u + 1) * block) { s += Double(m[row + c]) }
                    sums[u] += s
                }
            }
        }
    }
}

/// One eval-mode pass over the first `samples` training inputs with an `ActivationRecorder` attached,
/// calling `body` after every batch. Shared by the statistics scorers.
enum StatisticsPass {
    static func subset(_ data: Dataset?, model: Model, samples count: SampleCount, batchSize: Int, method: String) throws -> Dataset {
        guard let data else { throw PruningError(.needsData, "\(method) needs data: choose a dataset (data NAME) before score \(method)") }
        guard data.sampleShape == model.inputShape else {
            throw PruningError(.needsData, "\(method): the data's samples have shape \(data.sampleShape) but the model expects \(model.inputShape)")
        }
        let samples = count.count(of: data.count)
        guard samples >= 1, batchSize >= 1 else {
            throw PruningError(.badOption, "\(method): samples=\(samples) and batch=\(batchSize) must be at least 1")
        }
        return try data.prefix(samples)
    }

    static func run(_ model: Model, data: Dataset?, options: ScoreOptions, samples: SampleCount, method: String, watch: Set<Int>,
                    _ body: (ActivationRecorder, Batch) throws -> Void) throws {
        let batchSize = options.method[ScorerOptions.batch]
        let subset = try subset(data, model: model, samples: samples, batchSize: batchSize, method: method)
        let recorder = ActivationRecorder(watching: watch, mode: .eval)
        let batches = try BatchIterator(subset, batchSize: batchSize, shuffle: false)
        try recorder.attached(to: model) {
            while let batch = batches.next() {
                try options.cancellation?.check("scoring with \(method)")
                _ = model.forward(batch.images, mode: .eval)
                try body(recorder, batch)
            }
        }
    }
}

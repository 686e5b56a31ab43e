import Foundation

/// One point of a curve: a method at a requested ratio, averaged over seeds.
public struct ReportRow: Sendable {
    public var method: String
    public var ratio: Double
    public var seeds: [UInt64]
    public var sparsity: Stat
    public var paramSparsity: Stat
    public var params: Stat
    public var nonZero: Stat
    public var flops: Stat
    public var flopsEffective: Stat
    public var accuracyPruned: Stat?
    public var accuracyFinetuned: Stat?
    /// Fine-tuning epochs of each run (the same for all in a fair comparison).
    public var finetuneEpochs: [Int]
    /// Per-layer widths averaged over seeds (layers in model order).
    public var layers: [LayerWidth]
    /// The worst layer of the worst seed: fewest units kept in a pruned layer (structured), or
    /// fewest weights kept per output unit (unstructured); below 1 a layer is starved.
    public var fewestKept: Double? = nil
}

/// The dense model of an experiment, averaged over seeds.
public struct DenseSummary: Sendable {
    public var accuracy: Stat
    public var params: Double
    public var flops: Double
}

public struct ExperimentSummary: Sendable {
    public var experiment: ReportExperiment
    public var dense: DenseSummary?
    public var methods: [String]
    public var rows: [ReportRow]
    /// The first logged histogram of each method (lowest seed).
    public var histograms: [String: ReportHistogram]
    public var seeds: [UInt64]
    public var recipes: [String]

    public var structured: Bool { experiment.granularity != "weights" }
}

/// Everything a report shows: experiments with rows averaged over seeds, and where they came from.
public struct ReportSummary: Sendable {
    public var experiments: [ExperimentSummary]
    public var input: ReportInput

    public var prnVersions: [String] { Array(Set(input.sources.map(\.prnVersion))).sorted() }
    public var recipes: [String] { Array(Set(input.sources.map(\.recipe))).sorted() }
    public var seeds: [UInt64] { Array(Set(input.points.map(\.seed))).sorted() }

    /// Baselines first, in a fixed order, so colours and rows line up across reports.
    static let methodOrder = ["random", "magnitude", "taylor", "slimming", "receding", "contribution", "screening", "mipp"]

    public init(_ input: ReportInput) {
        self.input = input
        // A run logged twice (overlapping logs) counts once: the last copy wins.
        var unique: [String: ReportPoint] = [:]
        var order: [String] = []
        for p in input.points {
            let key = "\(p.experiment.slug)|\(p.method)|\(p.ratio)|\(p.seed)|\(p.finetuneEpochs)"
            if unique[key] == nil { order.append(key) }
            unique[key] = p
        }
        let points = order.compactMap { unique[$0] }
        let byExperiment = Dictionary(grouping: points, by: \.experiment)
        // Scores that were never followed by a prune still get their histogram plot.
        var keys = Set(byExperiment.keys)
        for h in input.histograms where !keys.contains(where: { $0.model == h.model && $0.dataset == h.dataset && $0.granularity == h.granularity }) {
            keys.insert(ReportExperiment(model: h.model, dataset: h.dataset, granularity: h.granularity, scope: "not pruned"))
        }
        experiments = keys.sorted().map { key in
            Self.summarise(key, points: byExperiment[key] ?? [], input: input)
        }
    }

    static func summarise(_ key: ReportExperiment, points: [ReportPoint], input: ReportInput) -> ExperimentSummary {
        let scored = input.histograms.filter { $0.model == key.model && $0.dataset == key.dataset && $0.granularity == key.granularity }
        let methods = Array(Set(points.map(\.method) + (points.isEmpty ? scored.map(\.method) : []))).sorted { a, b in
            let ia = methodOrder.firstIndex(of: a) ?? Int.max, ib = methodOrder.firstIndex(of: b) ?? Int.max
            return ia != ib ? ia < ib : a < b
        }
        var rows: [ReportRow] = []
        for m in methods {
            let mine = points.filter { $0.method == m }
            let ratios = Array(Set(mine.map { ($0.ratio * 1e6).rounded() / 1e6 })).sorted()
            for r in ratios {
                let runs = mine.filter { abs($0.ratio - r) < 1e-6 }.sorted { $0.seed < $1.seed }
                rows.append(row(m, r, runs))
            }
        }
        // Dense accuracy: one value per seed (the last measured), then over seeds.
        var denseBySeed: [UInt64: ReportDense] = [:]
        for d in input.dense where d.model == key.model && d.dataset == key.dataset { denseBySeed[d.seed] = d }
        let dense = denseBySeed.isEmpty ? nil : DenseSummary(
            accuracy: Stat(denseBySeed.values.map(\.accuracy)),
            params: denseBySeed.values.map(\.params).max() ?? 0, flops: denseBySeed.values.map(\.flops).max() ?? 0)
        var histograms: [String: ReportHistogram] = [:]
        for h in input.histograms.sorted(by: { $0.seed < $1.seed })
        where h.model == key.model && h.dataset == key.dataset && h.granularity == key.granularity && histograms[h.method] == nil {
            histograms[h.method] = h
        }
        let recipes = Array(Set(points.map { input.sources[$0.source].recipe })).sorted()
        return ExperimentSummary(experiment: key, dense: dense, methods: methods, rows: rows, histograms: histograms,
                                 seeds: Array(Set(points.map(\.seed))).sorted(), recipes: recipes)
    }

    static func row(_ method: String, _ ratio: Double, _ runs: [ReportPoint]) -> ReportRow {
        let pruned = runs.compactMap(\.accuracyPruned), tuned = runs.compactMap(\.accuracyFinetuned)
        return ReportRow(
            method: method, ratio: ratio, seeds: runs.map(\.seed),
            sparsity: Stat(runs.map(\.sparsity)), paramSparsity: Stat(runs.map(\.paramSparsity)),
            params: Stat(runs.map(\.params)), nonZero: Stat(runs.map(\.nonZero)),
            flops: Stat(runs.map(\.flops)), flopsEffective: Stat(runs.map(\.flopsEffective)),
            accuracyPruned: pruned.isEmpty ? nil : Stat(pruned), accuracyFinetuned: tuned.isEmpty ? nil : Stat(tuned),
            finetuneEpochs: runs.map(\.finetuneEpochs), layers: meanLayers(runs.map(\.layers)),
            fewestKept: runs.compactMap { fewestKept($0.layers, structured: $0.experiment.granularity != "weights") }.min())
    }

    /// The output layer is never pruned, so it is left out: its class count says nothing about
    /// starvation.
    static func fewestKept(_ layers: [LayerWidth], structured: Bool) -> Double? {
        let pruned = layers.dropLast()
        if structured { return pruned.map { Double($0.width) }.min() }
        return layers.map { Double($0.nonZeroWeights) / Double(max($0.width, 1)) }.min()
    }

    /// Widths averaged over seeds, layer by layer (rounded to whole units).
    static func meanLayers(_ all: [[LayerWidth]]) -> [LayerWidth] {
        guard let first = all.first(where: { !$0.isEmpty }) else { return [] }
        return first.map { l in
            let same = all.compactMap { $0.first { $0.name == l.name } }
            let n = Double(max(same.count, 1))
            var out = l
            // Added as doubles: many seeds' counts could overflow Int, their mean cannot.
            out.width = Int((same.reduce(0.0) { $0 + Double($1.width) } / n).rounded())
            out.nonZeroWeights = Int((same.reduce(0.0) { $0 + Double($1.nonZeroWeights) } / n).rounded())
            return out
        }
    }
}

import Foundation

/// One comparison: the same model on the same data, pruned at the same granularity and scope.
/// Curves of different methods are drawn together only inside one experiment.
public struct ReportExperiment: Hashable, Sendable, Comparable {
    public var model: String
    public var dataset: String
    public var granularity: String
    public var scope: String

    public var label: String {
        let kind = granularity == "weights" ? "unstructured (weights)" : "structured (\(granularity))"
        return "\(model) on \(dataset), \(kind), \(scope)"
    }

    /// A file-name-safe identifier: "lenet300-mnist-weights-global".
    public var slug: String {
        "\(model)-\(dataset)-\(granularity)-\(scope)".map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" }
            .reduce(into: "") { $0.append($1) }
    }

    public static func < (a: Self, b: Self) -> Bool { (a.model, a.dataset, a.granularity, a.scope) < (b.model, b.dataset, b.granularity, b.scope) }
}

/// One layer's size before and after a prune.
public struct LayerWidth: Sendable, Equatable {
    public var name: String
    public var kind: String
    public var widthBefore: Int
    public var width: Int
    public var weightsBefore: Int
    public var nonZeroWeights: Int

    /// Fraction of the layer that survives: units for structured pruning, weights otherwise.
    public func kept(structured: Bool) -> Double {
        structured ? Double(width) / Double(max(widthBefore, 1)) : Double(nonZeroWeights) / Double(max(weightsBefore, 1))
    }
}

/// One `prune` of one seed, with the evaluations that followed it.
public struct ReportPoint: Sendable {
    public var experiment: ReportExperiment
    public var method: String
    public var ratio: Double
    public var seed: UInt64
    public var sparsity: Double
    public var paramSparsity: Double
    public var params: Double
    public var nonZero: Double
    public var flops: Double
    public var flopsEffective: Double
    public var accuracyPruned: Double?
    public var accuracyFinetuned: Double?
    public var finetuneEpochs: Int = 0
    public var layers: [LayerWidth] = []
    /// Index into ReportInput.sources.
    public var source: Int
}

/// The model as trained, before any pruning (one seed).
public struct ReportDense: Sendable {
    public var model: String
    public var dataset: String
    public var seed: UInt64
    public var accuracy: Double
    public var params: Double
    public var flops: Double
}

/// The pooled importance histogram a `score` logged.
public struct ReportHistogram: Sendable {
    public var model: String
    public var dataset: String
    public var granularity: String
    public var method: String
    public var seed: UInt64
    /// "log" (bins over log10 of the positive scores) or "linear".
    public var scale: String
    public var lo: Double
    public var hi: Double
    public var zeros: Int
    public var counts: [Int]
}

/// Where events came from: a run log's manifest (or the live session).
public struct ReportSource: Sendable, Equatable {
    public var path: String
    public var recipe: String
    public var recipeHash: String
    public var prnVersion: String
    public var started: String
    public var threads: Int?
}

/// Everything read from one or more logs, before aggregation over seeds.
public struct ReportInput: Sendable {
    public var points: [ReportPoint] = []
    public var dense: [ReportDense] = []
    public var histograms: [ReportHistogram] = []
    public var sources: [ReportSource] = []
    public init() {}

    public mutating func merge(_ other: ReportInput) {
        let offset = sources.count
        sources += other.sources
        points += other.points.map { var p = $0; p.source += offset; return p }
        dense += other.dense
        histograms += other.histograms
    }
}

/// Mean and sample standard deviation over seeds.
public struct Stat: Sendable, Equatable {
    public var mean: Double
    public var std: Double
    public var n: Int

    public init(_ values: [Double]) {
        n = values.count
        mean = values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
        let m = mean
        std = values.count < 2 ? 0 : (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count - 1)).squareRoot()
    }
}

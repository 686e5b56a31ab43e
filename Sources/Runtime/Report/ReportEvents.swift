import Foundation
import Pruning

/// What the run log records beyond a verb's own result, so reports can be built from logs alone:
/// per-layer widths after `prune`, and a histogram of the importances after `score` (the scores
/// themselves are far too large for a log).
enum ReportEvents {
    static let histogramBins = 30

    /// Widths before and after, surviving weights and weights kept per output unit, of every
    /// layer that has weights (tables show a starved layer from these).
    static func layers(_ report: PruningReport) -> [RunLogEvent.Layer] {
        let before = Dictionary(report.before.layers.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        return report.after.layers.filter { $0.weights > 0 }.map { l in
            RunLogEvent.Layer(name: l.name, kind: l.kind, widthBefore: before[l.name]?.width ?? l.width, width: l.width,
                              weightsBefore: before[l.name]?.weights ?? l.weights, weights: l.weights,
                              nonzeroWeights: l.nonZeroWeights,
                              inputsPerUnit: Double(l.nonZeroWeights) / Double(max(l.width, 1)))
        }
    }

    /// Counts of all layers' scores pooled. Importances often span many orders of magnitude,
    /// so non-negative scores spread over more than three decades are binned on log10 (zeros
    /// counted apart); other scores on a linear scale.
    static func histogram(_ scores: ScoreSet, bins: Int = histogramBins) -> RunLogEvent.Histogram? {
        let pools = scores.granularity == .weights ? scores.weights : scores.units
        var values: [Double] = []
        values.reserveCapacity(pools.values.reduce(0) { $0 + $1.count })
        for v in pools.values.joined() where v.isFinite { values.append(Double(v)) }
        guard let lo = values.min(), let hi = values.max() else { return nil }
        let positive = values.filter { $0 > 0 }
        let zeros = values.count - positive.count
        if lo >= 0, let minPositive = positive.min(), hi / minPositive > 1e3 {
            let a = log10(minPositive), b = log10(hi)
            return .init(scale: "log", lo: a, hi: b, zeros: zeros, count: values.count,
                         counts: counts(positive.map(log10), lo: a, hi: b, bins: bins))
        }
        return .init(scale: "linear", lo: lo, hi: hi, zeros: 0, count: values.count,
                     counts: counts(values, lo: lo, hi: hi, bins: bins))
    }

    static func counts(_ values: [Double], lo: Double, hi: Double, bins: Int) -> [Int] {
        var c = Array(repeating: 0, count: bins)
        let span = hi > lo ? hi - lo : 1
        for v in values { c[max(0, min(bins - 1, Int((v - lo) / span * Double(bins))))] += 1 }
        return c
    }
}

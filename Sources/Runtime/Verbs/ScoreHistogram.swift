import Foundation
import Pruning

/// A terminal histogram of importance scores (all layers pooled), so the shape of a method's
/// distribution — e.g. the bimodal importances of receding training — can be seen at a glance.
enum ScoreHistogram {
    static func render(_ scores: ScoreSet, bins: Int = 20, width: Int = 50) -> String {
        let values = (scores.granularity == .weights ? Array(scores.weights.values) : Array(scores.units.values))
            .flatMap { $0 }.filter(\.isFinite)
        guard let lo = values.min(), let hi = values.max() else { return "no scores" }
        var counts = Array(repeating: 0, count: bins)
        let span = hi > lo ? hi - lo : 1
        for v in values { counts[min(bins - 1, Int((v - lo) / span * Float(bins)))] += 1 }
        let top = max(counts.max() ?? 1, 1)
        var lines = ["scores \(scores.method), \(scores.granularity.rawValue): \(values.count) values in [\(fmt(lo)), \(fmt(hi))]"]
        for (i, c) in counts.enumerated() {
            let from = lo + span * Float(i) / Float(bins)
            let bar = String(repeating: "#", count: c == 0 ? 0 : max(1, c * width / top))
            lines.append("\(fmt(from).padding(toLength: 10, withPad: " ", startingAt: 0)) |\(bar) \(c)")
        }
        return lines.joined(separator: "\n")
    }

    static func fmt(_ v: Float) -> String { String(format: "%.4g", v) }
}

import Engine
import Foundation
import Pruning

/// `prn bench --model FILE --layers`: where one forward's time goes, step by step, as prn runs it
/// (a fused chain such as conv + batch norm + ReLU is one step, named by all its nodes). Each
/// step's time is the median over the timed forwards, taken with the model's step clock
/// (`Model.stepClock`), on the same seeded batch and fixed weights as the whole-model timing.
public enum StepTimes {
    public struct Step {
        public var nodes: [Int]
        public var milliseconds: Double
    }

    /// Median milliseconds of each step of `runs` eval forwards of `batch` random samples, after one warm-up.
    public static func measure(_ model: Model, batch: Int, runs: Int) -> [Step] {
        let x = Pruning.Latency.input(for: model, batch: batch)
        var order: [[Int]] = [], samples: [[Int]: [Double]] = [:]
        model.stepClock = { nodes, seconds in
            if samples[nodes] == nil { order.append(nodes) }
            samples[nodes, default: []].append(seconds * 1000)
        }
        defer { model.stepClock = nil }
        SparseInference.withWeightsFixed {
            _ = model.forward(x, mode: .eval)
            order = []; samples = [:]
            for _ in 0..<max(1, runs) { _ = model.forward(x, mode: .eval) }
        }
        return order.map { Step(nodes: $0, milliseconds: Pruning.Latency.median(samples[$0]!)) }
    }

    /// The steps as a table: node names, the head layer, milliseconds and share of their sum.
    public static func table(_ model: Model, _ steps: [Step], title: String) -> [String] {
        let total = steps.reduce(0) { $0 + $1.milliseconds }
        let names = steps.map { $0.nodes.map { model.nodes[$0].name }.joined(separator: " + ") }
        let width = max(4, names.map(\.count).max() ?? 0)
        func padded(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
        var lines = [String(format: "%@: %d steps, %.3f ms in all (median of each step)", title, steps.count, total),
                     "  " + padded("step", width) + "  " + padded("layer", 24) + "        ms   share"]
        for (s, name) in zip(steps, names) {
            let layer = describe(model.nodes[s.nodes[0]].layer)
            lines.append("  " + padded(name, width) + "  " + padded(layer, 24)
                         + String(format: " %9.3f %6.1f%%", s.milliseconds, total > 0 ? 100 * s.milliseconds / total : 0))
        }
        return lines
    }

    static func describe(_ layer: Layer?) -> String {
        guard let layer else { return "input" }
        if let c = layer as? Conv2d {
            return "conv \(c.kernel)x\(c.kernel)/\(c.stride) \(c.inChannels)->\(c.outChannels)"
        }
        if let l = layer as? Linear { return "linear \(l.inFeatures)->\(l.outFeatures)" }
        return layer.kind
    }
}

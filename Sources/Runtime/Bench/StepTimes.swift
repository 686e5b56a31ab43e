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

    /// The steps of a forward and what the forward spends outside them.
    public struct Timing {
        public var steps: [Step]
        /// Median milliseconds of a whole forward.
        public var forward: Double
        /// Median over the forwards of the forward's time less its steps' (the graph walk, the
        /// fusion plan, anything between one step's end and the next one's start).
        public var outsideSteps: Double
    }

    /// Median milliseconds of each step of `runs` eval forwards of `batch` random samples, after one warm-up.
    public static func measure(_ model: Model, batch: Int, runs: Int) -> Timing {
        let x = Pruning.Latency.input(for: model, batch: batch)
        var order: [[Int]] = [], samples: [[Int]: [Double]] = [:], inSteps = 0.0
        model.stepClock = { nodes, seconds in
            if samples[nodes] == nil { order.append(nodes) }
            samples[nodes, default: []].append(seconds * 1000)
            inSteps += seconds * 1000
        }
        defer { model.stepClock = nil }
        var forwards: [Double] = [], outside: [Double] = []
        SparseInference.withWeightsFixed {
            _ = model.forward(x, mode: .eval)
            order = []; samples = [:]
            for _ in 0..<max(1, runs) {
                inSteps = 0
                let start = DispatchTime.now().uptimeNanoseconds
                _ = model.forward(x, mode: .eval)
                let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
                forwards.append(ms)
                outside.append(ms - inSteps)
            }
        }
        return Timing(steps: order.map { Step(nodes: $0, milliseconds: Pruning.Latency.median(samples[$0]!)) },
                      forward: Pruning.Latency.median(forwards), outsideSteps: Pruning.Latency.median(outside))
    }

    /// The steps as a table: node names, the head layer, milliseconds and share of their sum;
    /// then the whole forward and its time outside the steps.
    public static func table(_ model: Model, _ timing: Timing, title: String) -> [String] {
        let steps = timing.steps
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
        lines.append(String(format: "  whole forward %.3f ms (median), %.3f ms of it outside the steps", timing.forward, timing.outsideSteps))
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

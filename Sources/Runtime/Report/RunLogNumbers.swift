import Foundation

/// Range checks on the numbers of one run-log event, made on the parsed line before RunLogCodec
/// reads it and before reports add its numbers up. A log is a file like any other: damaged,
/// hand-edited or written by something else, it can hold 1e300 where an epoch count belongs, or
/// counts whose sum overflows. Each check names the field and the range it must lie in (the
/// codec alone would only say a number does not fit); RunLogReader adds the file and line.
enum RunLogNumbers {
    /// Parameters, FLOPs, widths and histogram counts of any real run are far below this; it
    /// stays under 2^53, so every whole number up to it is exact as a double, and thousands of
    /// them still add up without overflowing Int.
    static let maximumCount = 1e15
    static let maximumEpochs = 1e6
    static let maximumThreads = 1e6
    /// prn writes 30 bins; far more would only make a plot nobody can read.
    static let maximumBins = 10_000
    /// Scores are 32-bit floats, so a linear histogram's ends lie within Float's range and a
    /// log one's within its decades.
    static let maximumScore = Double(Float.greatestFiniteMagnitude)
    static let maximumDecade = 400.0

    /// The first number of `e` out of range, described, or nil when all fit.
    static func problem(in e: [String: Any]) -> String? {
        var checks: [String?] = [seed(e["seed"])]
        switch e["event"] as? String {
        case "manifest":
            checks.append(whole(e["threads"], "threads", max: maximumThreads))
        case "prune":
            for key in ["requested", "sparsity", "param_sparsity"] { checks.append(number(e[key], key, max: maximumCount)) }
            for key in ["params", "nonzero", "flops", "flops_effective"] { checks.append(count(e[key], key)) }
            checks.append(layers(e["layers"]))
        case "finetune":
            checks.append(whole(e["epochs"], "epochs", max: maximumEpochs))
        case "eval":
            checks.append(number(e["accuracy"], "accuracy", max: maximumCount))
            for key in ["params", "flops"] { checks.append(count(e[key], key)) }
        case "score":
            checks.append(histogram(e["histogram"]))
        default: break
        }
        return checks.lazy.compactMap { $0 }.first
    }

    static func layers(_ value: Any?) -> String? {
        guard let list = value as? [Any] else { return nil }
        for (i, item) in list.enumerated() {
            guard let d = item as? [String: Any] else { continue }
            for key in ["width_before", "width", "weights_before", "nonzero_weights"] {
                if let p = whole(d[key], "layers[\(i)].\(key)", max: maximumCount) { return p }
            }
        }
        return nil
    }

    static func histogram(_ value: Any?) -> String? {
        guard let h = value as? [String: Any] else { return nil }
        if let p = whole(h["zeros"], "histogram.zeros", max: maximumCount) { return p }
        let decades = h["scale"] as? String == "log"
        let limit = decades ? maximumDecade : maximumScore
        for key in ["lo", "hi"] {
            guard let v = double(h[key]) else { continue }
            guard v.isFinite, abs(v) <= limit else {
                return "\"histogram.\(key)\" is \(v); expected a number from \(-limit) to \(limit)"
                    + (decades ? " (the log10 of a score)" : " (a score)")
            }
        }
        guard let counts = h["counts"] as? [Any] else { return nil }
        guard counts.count <= maximumBins else {
            return "\"histogram.counts\" has \(counts.count) bins; expected at most \(maximumBins)"
        }
        var total = double(h["zeros"]) ?? 0
        for (i, c) in counts.enumerated() {
            if let p = whole(c, "histogram.counts[\(i)]", max: maximumCount) { return p }
            total += double(c) ?? 0
        }
        guard total <= maximumCount else {
            return "\"histogram.counts\" add up to \(total) scores; expected at most \(maximumCount)"
        }
        return nil
    }

    /// Seeds are unsigned 64-bit integers.
    static func seed(_ value: Any?) -> String? {
        guard double(value) != nil, uint(value) == nil else { return nil }
        return "\"seed\" is \(describe(value)); expected a whole number from 0 to \(UInt64.max)"
    }

    static func whole(_ value: Any?, _ key: String, max: Double) -> String? {
        guard let v = double(value) else { return nil }
        guard v.isFinite, v >= 0, v <= max, v == v.rounded() else {
            return "\"\(key)\" is \(describe(value)); expected a whole number from 0 to \(Int(max))"
        }
        return nil
    }

    static func count(_ value: Any?, _ key: String) -> String? {
        guard let v = double(value) else { return nil }
        guard v.isFinite, v >= 0, v <= maximumCount else {
            return "\"\(key)\" is \(describe(value)); expected a number from 0 to \(Int(maximumCount))"
        }
        return nil
    }

    static func number(_ value: Any?, _ key: String, max: Double) -> String? {
        guard let v = double(value) else { return nil }
        guard v.isFinite, abs(v) <= max else {
            return "\"\(key)\" is \(describe(value)); expected a number from \(-max) to \(max)"
        }
        return nil
    }

    static func describe(_ value: Any?) -> String {
        value.map { "\($0)" } ?? "missing"
    }

    /// A JSON number as JSONSerialization gives it, or nil for anything else.
    static func double(_ v: Any?) -> Double? {
        switch v {
        case let n as NSNumber: return n.doubleValue
        case let d as Double: return d
        case let i as Int: return Double(i)
        case let u as UInt64: return Double(u)
        case let f as Float: return Double(f)
        default: return nil
        }
    }

    /// Whole numbers that fit the type, else nil: a converting initializer would trap on 1e300.
    static func uint(_ v: Any?) -> UInt64? {
        if let u = v as? UInt64 { return u }
        return double(v).flatMap { UInt64(exactly: $0) }
    }
}

import Engine

/// How many training samples a data-driven scorer reads: the first N, or the whole split.
public enum SampleCount: Sendable, Equatable {
    case first(Int)
    case all

    /// The number of samples to read from a split of `available` samples.
    public func count(of available: Int) -> Int {
        switch self {
        case .first(let n): return Swift.min(n, available)
        case .all: return available
        }
    }
}

/// Options several scorers take, declared once; each method lists the ones it reads in its own
/// options, so the checker refuses them on a method that ignores them (`score contribution p=2`).
public enum ScorerOptions {
    /// Batch size of the methods that stream data.
    public static let batch = MethodOption<Int>.integer(
        "batch", 1...65_536, default: 256, help: "batch size of the scoring pass (larger batches stream faster; left out: 256, fewer where the activations and gradients would take more than the internal-batch memory)")

    /// The training samples a method reads, with that method's default.
    public static func samples(default value: SampleCount, help: String) -> MethodOption<SampleCount> {
        let written: MethodOptionValue
        switch value {
        case .first(let n): written = .number(Double(n))
        case .all: written = .word(allSamples.word)
        }
        return MethodOption<SampleCount>("samples", .count(atLeast: 1, all: allSamples), default: value, written: written,
                                         help: help) { given in
            switch given {
            case .number(let v) where v.isFinite && v >= 1: return .first(Int(Swift.min(v, Double(1 << 53))))
            case .word(allSamples.word): return .all
            default: return nil
            }
        }
    }

    static let allSamples = MethodWord(word: "all", help: "the whole training split")
}

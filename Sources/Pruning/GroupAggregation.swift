/// How one score per channel of a `ChannelGroup` is made from its members' scores (channel k of
/// a group is channel k of every producer summed into it, so each member scored it once).
///
/// Applied before `ScoreNormalization`, which then scales the group's channels as it scales a
/// single layer's. A group of one member gets its member's scores under every mode.
public enum GroupAggregation: String, Sendable, Codable, CaseIterable {
    /// The members' mean: a group's scores stay on the scale of one layer's, so a `global`
    /// ranking weighs a residual stage summed from ten convolutions like a plain layer
    /// (Torch-Pruning's default reduction). The default.
    case mean
    /// The members' sum: channels read by more layers count more, so large residual groups are
    /// cut less than plain layers under `global`.
    case sum
    /// The largest member score: a channel any member finds important stays.
    case max

    public var help: String {
        switch self {
        case .mean: return "average the members' scores of a tied channel (keeps groups on one layer's scale)"
        case .sum: return "add the members' scores (groups of many layers are cut less)"
        case .max: return "take the largest member score (a channel any member needs stays)"
        }
    }

    /// One score per group channel; `channelOf[member][u]` is the channel of the member's unit u.
    /// Channels no member scores (shortcut padding) get 0.
    ///
    /// Members' scores are first divided by their own mean |score|, so a member whose scores run
    /// larger (an L1 norm over a wider fan-in) does not decide alone which tied channels stay, and
    /// the result is multiplied back by the members' average mean, so the group stays on its
    /// members' raw scale (what `normalize=none` compares). A group of one member keeps its scores.
    public func combine(_ scores: [String: [Float]], channelOf: [String: [Int]], units: Int) -> [Float] {
        var total = [Double](repeating: 0, count: units)
        var count = [Int](repeating: 0, count: units)
        var largest = [Double](repeating: -.infinity, count: units)
        var scales = [Double]()
        for (member, channels) in channelOf.sorted(by: { $0.key < $1.key }) {
            guard let s = scores[member], s.count == channels.count, !s.isEmpty else { continue }
            let mean = s.reduce(0.0) { $0 + Swift.abs(Double($1)) } / Double(s.count)
            let scale = mean > 0 && mean.isFinite ? mean : 1
            scales.append(scale)
            for (u, c) in channels.enumerated() {
                let v = Double(s[u]) / scale
                total[c] += v
                count[c] += 1
                largest[c] = Swift.max(largest[c], v)
            }
        }
        let back = scales.isEmpty ? 1 : scales.reduce(0, +) / Double(scales.count)
        return (0..<units).map { c in
            guard count[c] > 0 else { return 0 }
            switch self {
            case .mean: return Float(total[c] / Double(count[c]) * back)
            case .sum: return Float(total[c] * back)
            case .max: return Float(largest[c] * back)
            }
        }
    }
}

import Foundation

/// What a model expects done to its raw inputs (pixels scaled to [0, 1], features as read)
/// before its first layer, and the dataset it was made for. It travels with the model: prn's
/// model file keeps it in the architecture, ONNX export bakes the normalisation into the graph,
/// and loading a model normalises the data the way the model was trained unless told otherwise.
/// A model without it (`Model.preprocessing == nil`, e.g. a file from before it was recorded)
/// gets the old behaviour: data standardised with their own training statistics.
public struct InputPreprocessing: Sendable, Equatable {
    /// Per-channel `(x - mean) / std`; nil means the model reads raw inputs.
    public var statistics: ChannelStatistics?
    /// The dataset the model was trained or built for, as prn names it ("mnist", a folder's name).
    public var dataset: String?

    public init(statistics: ChannelStatistics?, dataset: String?) {
        self.statistics = statistics
        self.dataset = dataset
    }

    /// How data must be normalised for this model.
    public var normalization: NormalizationMode { statistics.map { .fixed($0) } ?? .none }

    /// Whether data normalised with `other` (nil: raw) are what this model expects. Statistics
    /// measured on the same split agree to float rounding, hence the tolerance.
    public func matches(_ other: ChannelStatistics?) -> Bool {
        switch (statistics, other) {
        case (nil, nil): return true
        case let (a?, b?):
            guard a.mean.count == b.mean.count else { return false }
            let close = { (x: Float, y: Float) in abs(x - y) <= 1e-5 * max(1, abs(x), abs(y)) }
            return zip(a.mean, b.mean).allSatisfy(close) && zip(a.std, b.std).allSatisfy(close)
        default: return false
        }
    }

    /// "mean [0.1307] std [0.3081]" or "none (raw inputs)", for messages.
    public static func describe(_ stats: ChannelStatistics?) -> String {
        guard let s = stats else { return "none (raw inputs)" }
        let list = { (v: [Float]) in "[" + v.map { String(format: "%.4g", $0) }.joined(separator: ", ") + "]" }
        return "mean \(list(s.mean)) std \(list(s.std))"
    }
}

/// Stored as `{"dataset": "mnist", "mean": [...], "std": [...]}`; a model reading raw inputs has
/// no `mean`/`std`.
extension InputPreprocessing: Codable {
    enum CodingKeys: String, CodingKey { case dataset, mean, std }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        dataset = try c.decodeIfPresent(String.self, forKey: .dataset)
        let mean = try c.decodeIfPresent([Float].self, forKey: .mean)
        let std = try c.decodeIfPresent([Float].self, forKey: .std)
        switch (mean, std) {
        case (nil, nil): statistics = nil
        case let (m?, s?):
            guard !m.isEmpty, m.count == s.count, m.allSatisfy(\.isFinite), s.allSatisfy({ $0.isFinite && $0 > 0 }) else {
                throw ShapeError("input preprocessing needs as many finite means as positive standard deviations, got mean \(m) std \(s)")
            }
            statistics = ChannelStatistics(mean: m, std: s)
        default:
            throw ShapeError("input preprocessing has \(mean == nil ? "std" : "mean") without \(mean == nil ? "mean" : "std")")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(dataset, forKey: .dataset)
        try c.encodeIfPresent(statistics?.mean, forKey: .mean)
        try c.encodeIfPresent(statistics?.std, forKey: .std)
    }
}

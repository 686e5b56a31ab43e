import Foundation

/// One split of a labelled dataset held in memory.
///
/// `samples` is a single contiguous Float32 tensor [N, C, H, W] for images or [N, F] for
/// feature tables, so a batch is filled by plain memory copies. Pixels are scaled to [0, 1] by the
/// readers; `normalization` records the per-channel statistics applied afterwards, if any.
///
/// `samples` is a reference type: normalising or copying into it changes every `Dataset` value
/// that shares it. Readers and `DataCatalog` hand out fresh tensors, so this only matters to
/// callers that share one on purpose.
public struct Dataset: Sendable {
    public var name: String
    public let samples: Tensor
    public let labels: [Int32]
    public let classes: Int
    public private(set) var normalization: ChannelStatistics?

    public init(name: String, samples: Tensor, labels: [Int32], classes: Int,
                normalization: ChannelStatistics? = nil) throws {
        guard samples.rank >= 2 else {
            throw DataError(.badShape, "\(name): samples must be [N, ...] with one row per sample, got \(samples.shape)")
        }
        guard samples.shape[0] == labels.count else {
            throw DataError(.countMismatch, "\(name): \(samples.shape[0]) samples but \(labels.count) labels; the two files must come from the same split")
        }
        guard !labels.isEmpty else {
            throw DataError(.emptyDataset, "\(name): the dataset holds no samples")
        }
        guard classes >= 1 else {
            throw DataError(.badShape, "\(name): a dataset needs at least one class, got \(classes)")
        }
        for (i, label) in labels.enumerated() where label < 0 || Int(label) >= classes {
            throw DataError(.labelOutOfRange, "\(name): label \(label) of sample \(i) is outside 0..<\(classes)")
        }
        self.name = name
        self.samples = samples
        self.labels = labels
        self.classes = classes
        self.normalization = normalization
    }

    /// The same tensor as `samples`, under the name image code reads naturally.
    public var images: Tensor { samples }
    public var count: Int { labels.count }
    /// The shape of one sample: [C, H, W] or [F].
    public var sampleShape: [Int] { Array(samples.shape.dropFirst()) }
    public var sampleSize: Int { samples.itemCount }
    /// Images are rank-3 samples [C, H, W].
    public var isImage: Bool { samples.rank == 4 }
    public var channels: Int { isImage ? samples.shape[1] : 1 }

    /// A new dataset holding the given samples, in that order (copied, so it owns its storage).
    public func select(_ indices: [Int], name: String? = nil) throws -> Dataset {
        let size = sampleSize
        let out = Tensor(shape: [indices.count] + sampleShape, zeroed: false)
        var newLabels = [Int32]()
        newLabels.reserveCapacity(indices.count)
        for (row, i) in indices.enumerated() {
            precondition(i >= 0 && i < count, "select: index \(i) outside 0..<\(count)")
            (out.data + row * size).update(from: samples.data + i * size, count: size)
            newLabels.append(labels[i])
        }
        return try Dataset(name: name ?? self.name, samples: out, labels: newLabels, classes: classes,
                           normalization: normalization)
    }

    /// The first `n` samples (all of them if `n >= count`), for fast experiments and tests.
    public func prefix(_ n: Int) throws -> Dataset {
        guard n >= 1 else {
            throw DataError(.badOption, "\(name): subset=\(n) must be at least 1")
        }
        if n >= count { return self }
        return try select(Array(0..<n))
    }

    /// Applies `(x - mean[c]) / std[c]` in place, channel by channel.
    public mutating func normalize(with stats: ChannelStatistics) throws {
        guard normalization == nil else {
            throw DataError(.badOption, "\(name): already normalised; normalising twice would distort the data")
        }
        guard stats.mean.count == channels else {
            throw DataError(.badShape, "\(name): statistics have \(stats.mean.count) channels but samples have \(channels)")
        }
        stats.apply(to: samples, channels: channels)
        normalization = stats
    }
}

/// Per-channel mean and standard deviation of pixel values (after scaling to [0, 1]).
public struct ChannelStatistics: Sendable, Equatable {
    public let mean: [Float]
    public let std: [Float]

    public init(mean: [Float], std: [Float]) {
        precondition(mean.count == std.count && !mean.isEmpty, "mean and std need one value per channel")
        self.mean = mean
        self.std = std
    }

    /// The widely quoted MNIST training-set statistics. `measure` on the real training set
    /// reproduces them to four digits (a test checks that), so prn measures rather than
    /// hard-coding; the constant stays for documentation and comparison.
    public static let mnist = ChannelStatistics(mean: [0.1307], std: [0.3081])

    /// Mean and (population) standard deviation per channel, accumulated in Double.
    /// Feature tables ([N, F]) are treated as one channel.
    public static func measure(_ data: Dataset) -> ChannelStatistics {
        let c = data.channels
        let plane = data.sampleSize / c
        var sum = [Double](repeating: 0, count: c)
        var squares = [Double](repeating: 0, count: c)
        let p = data.samples.data
        for n in 0..<data.count {
            for ch in 0..<c {
                let base = p + (n * c + ch) * plane
                var s = 0.0, q = 0.0
                for i in 0..<plane { let v = Double(base[i]); s += v; q += v * v }
                sum[ch] += s
                squares[ch] += q
            }
        }
        let total = Double(data.count * plane)
        var mean = [Float](), std = [Float]()
        for ch in 0..<c {
            let m = sum[ch] / total
            let variance = max(squares[ch] / total - m * m, 0)
            mean.append(Float(m))
            // A constant channel has no spread; dividing by 1 leaves it centred instead of infinite.
            std.append(variance > 1e-12 ? Float(variance.squareRoot()) : 1)
        }
        return ChannelStatistics(mean: mean, std: std)
    }

    /// The value a raw pixel of 0 takes after normalisation: what zero padding must write.
    public func normalizedZero(channel: Int) -> Float { -mean[channel] / std[channel] }

    func apply(to samples: Tensor, channels c: Int) {
        let n = samples.shape[0]
        let plane = samples.itemCount / c
        for ch in 0..<c {
            let m = mean[ch], inv = 1 / std[ch]
            for s in 0..<n {
                let base = samples.data + (s * c + ch) * plane
                for i in 0..<plane { base[i] = (base[i] - m) * inv }
            }
        }
    }
}

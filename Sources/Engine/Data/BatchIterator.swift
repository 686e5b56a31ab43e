import Foundation

/// Training-time augmentation for images (grayscale or colour), applied while a sample is copied
/// into the batch. Each sample's shift and flip are drawn from a stream seeded by (seed, epoch),
/// so the same seed gives the same batches.
public struct Augmentation: Sendable, Equatable {
    /// Random translation by up to this many pixels, filling uncovered pixels with zeros (black
    /// in raw pixel space), i.e. a random crop of the image padded on every side. 0 disables it.
    public var cropPadding: Int
    /// Mirror left-right with probability 1/2.
    public var horizontalFlip: Bool

    public init(cropPadding: Int = 0, horizontalFlip: Bool = false) {
        self.cropPadding = cropPadding
        self.horizontalFlip = horizontalFlip
    }

    public static let none = Augmentation()
    /// The usual CIFAR recipe: pad 4, random 32x32 crop, random horizontal flip.
    public static let standard = Augmentation(cropPadding: 4, horizontalFlip: true)

    public var isEnabled: Bool { cropPadding > 0 || horizontalFlip }
}

/// One batch, valid until the iterator's next call to `next()` or `start(epoch:)`: the tensor
/// and the buffers are reused.
public struct Batch {
    /// [b, ...sampleShape], where b <= batchSize (the last batch of an epoch may be smaller).
    public let images: Tensor
    public let labels: UnsafeBufferPointer<Int32>
    /// Positions in the dataset of the samples in this batch, in batch order.
    public let indices: UnsafeBufferPointer<Int>
    public var count: Int { labels.count }
}

/// Walks a dataset in batches with deterministic, seeded shuffling and augmentation.
///
/// The order of epoch e depends only on (seed, e), so resuming at an epoch reproduces it, and
/// so does a second iterator over the same data. Nothing is allocated per batch: images are
/// copied into one preallocated tensor and labels into one preallocated buffer.
public final class BatchIterator {
    public let dataset: Dataset
    public let batchSize: Int
    public let shuffle: Bool
    public let seed: UInt64
    public let augmentation: Augmentation
    public private(set) var epoch = 0
    /// Batches per epoch, counting the last partial batch.
    public let batchCount: Int

    private let images: Tensor
    private let labelStorage: UnsafeMutableBufferPointer<Int32>
    private let order: UnsafeMutableBufferPointer<Int>
    private let fullShape: [Int]
    private let lastShape: [Int]
    private let padValues: [Float]
    private var position = 0
    private var augmentStream: RandomStream
    /// Batches are views of the dataset's own storage instead of copies (see `init`).
    private let borrows: Bool

    /// With `borrowSamples`, an iterator that neither shuffles nor augments hands out batches that
    /// are views of the dataset's storage (consecutive samples are contiguous) rather than copies:
    /// evaluation then reads each sample once, from every thread, instead of first copying it on
    /// one. The caller must not write into such a batch; evaluation only reads its input.
    public init(_ dataset: Dataset, batchSize: Int, shuffle: Bool = true, seed: UInt64 = 0,
                augmentation: Augmentation = .none, borrowSamples: Bool = false) throws {
        guard batchSize >= 1 else {
            throw DataError(.badOption, "batch=\(batchSize): the batch size must be at least 1")
        }
        if augmentation.isEnabled {
            guard dataset.isImage else {
                throw DataError(.badOption, "\(dataset.name): augmentation (random crop and flip) is for images [C, H, W]; samples here are \(dataset.sampleShape). Leave pad=, flip and augment out for this dataset")
            }
            let side = min(dataset.sampleShape[1], dataset.sampleShape[2])
            guard augmentation.cropPadding >= 0, augmentation.cropPadding < side else {
                throw DataError(.badOption, "\(dataset.name): crop padding \(augmentation.cropPadding) (pad=) must be between 0 and \(side - 1), below the image size \(side)")
            }
        }
        self.dataset = dataset
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.seed = seed
        self.augmentation = augmentation
        borrows = borrowSamples && !shuffle && !augmentation.isEnabled
        let n = dataset.count
        batchCount = (n + batchSize - 1) / batchSize
        let b = min(batchSize, n)
        fullShape = [b] + dataset.sampleShape
        let remainder = n % b
        lastShape = [remainder == 0 ? b : remainder] + dataset.sampleShape
        // A borrowing iterator hands out views and never fills a batch buffer of its own.
        images = Tensor(shape: borrows ? [0] : fullShape, zeroed: false)
        labelStorage = .allocate(capacity: b)
        order = .allocate(capacity: n)
        padValues = (0..<dataset.channels).map { dataset.normalization?.normalizedZero(channel: $0) ?? 0 }
        augmentStream = RandomStream(seed: seed)
        start(epoch: 0)
    }

    deinit {
        labelStorage.deallocate()
        order.deallocate()
    }

    /// Rewinds to the first batch of `epoch`, reshuffling for it.
    public func start(epoch: Int) {
        self.epoch = epoch
        position = 0
        for i in 0..<order.count { order[i] = i }
        if shuffle {
            var rng = RandomStream(seed: seed, stream: "data.shuffle.\(epoch)")
            // Fisher-Yates in place: the same sequence as RandomStream.permutation, without its array.
            if order.count > 1 {
                for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, rng.int(i + 1)) }
            }
        }
        augmentStream = RandomStream(seed: seed, stream: "data.augment.\(epoch)")
    }

    /// The next batch of the current epoch, or nil when the epoch is over.
    public func next() -> Batch? {
        let n = order.count
        guard position < n else { return nil }
        let b = min(fullShape[0], n - position)
        let size = dataset.sampleSize
        if borrows {
            for r in 0..<b { labelStorage[r] = dataset.labels[position + r] }
            let view = Tensor(sliceOf: dataset.samples, offset: position * size, shape: b == fullShape[0] ? fullShape : lastShape)
            let batch = Batch(images: view,
                              labels: UnsafeBufferPointer(rebasing: labelStorage[0..<b]),
                              indices: UnsafeBufferPointer(rebasing: order[position..<(position + b)]))
            position += b
            return batch
        }
        images.reshape(b == fullShape[0] ? fullShape : lastShape)
        let src = dataset.samples.data
        for r in 0..<b {
            let index = order[position + r]
            labelStorage[r] = dataset.labels[index]
            let from = src + index * size
            let to = images.data + r * size
            if augmentation.isEnabled {
                augmentCopy(from: from, to: to)
            } else {
                to.update(from: from, count: size)
            }
        }
        let batch = Batch(images: images,
                          labels: UnsafeBufferPointer(rebasing: labelStorage[0..<b]),
                          indices: UnsafeBufferPointer(rebasing: order[position..<(position + b)]))
        position += b
        return batch
    }

    /// out[c, y, x] = in[c, y + dy, x' + dx] with x' = W-1-x when flipped; outside the image the
    /// channel's normalised zero (raw black), as if the image had been padded before cropping.
    private func augmentCopy(from: UnsafeMutablePointer<Float>, to: UnsafeMutablePointer<Float>) {
        let shape = dataset.samples.shape
        let (c, h, w) = (shape[1], shape[2], shape[3])
        let p = augmentation.cropPadding
        let dy = p > 0 ? augmentStream.int(2 * p + 1) - p : 0
        let dx = p > 0 ? augmentStream.int(2 * p + 1) - p : 0
        let flip = augmentation.horizontalFlip && augmentStream.int(2) == 1
        for ch in 0..<c {
            let pad = padValues[ch]
            let plane = from + ch * h * w
            for y in 0..<h {
                let row = to + (ch * h + y) * w
                let sy = y + dy
                guard sy >= 0, sy < h else {
                    row.update(repeating: pad, count: w)
                    continue
                }
                let srcRow = plane + sy * w
                for x in 0..<w {
                    let sx = (flip ? w - 1 - x : x) + dx
                    row[x] = sx >= 0 && sx < w ? srcRow[sx] : pad
                }
            }
        }
    }
}

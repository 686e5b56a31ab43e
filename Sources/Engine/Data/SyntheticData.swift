import Foundation

/// Seeded, learnable data for tests and demonstrations: Gaussian clusters, one per class.
///
/// Each class has a centre drawn from N(0, 1) per value; a sample is its class centre plus
/// N(0, spread^2) noise. With the default spread the classes overlap a little, so a model must
/// actually learn, yet a linear classifier reaches high accuracy.
public enum SyntheticData {
    public struct Options: Sendable, Equatable {
        public var trainCount: Int
        public var testCount: Int
        public var classes: Int
        /// Shape of one sample: [F] or [C, H, W].
        public var sampleShape: [Int]
        public var spread: Float

        public init(trainCount: Int = 1024, testCount: Int = 256, classes: Int = 4,
                    sampleShape: [Int] = [1, 8, 8], spread: Float = 1.0) {
            self.trainCount = trainCount
            self.testCount = testCount
            self.classes = classes
            self.sampleShape = sampleShape
            self.spread = spread
        }
    }

    /// Train and test splits sharing the same class centres; labels cycle so classes are balanced.
    public static func make(_ options: Options, seed: UInt64) throws -> (train: Dataset, test: Dataset) {
        guard options.classes >= 2 else {
            throw DataError(.badOption, "synthetic: classes=\(options.classes) must be at least 2")
        }
        guard options.trainCount >= 1, options.testCount >= 1 else {
            throw DataError(.badOption, "synthetic: train and test counts must be at least 1 (got \(options.trainCount) and \(options.testCount))")
        }
        guard options.sampleShape.count == 1 || options.sampleShape.count == 3,
              options.sampleShape.allSatisfy({ $0 >= 1 }) else {
            throw DataError(.badOption, "synthetic: sample shape \(options.sampleShape) must be [F] or [C, H, W] with positive sizes")
        }
        guard options.spread.isFinite, options.spread >= 0 else {
            throw DataError(.badOption, "synthetic: spread=\(options.spread) must be a finite number >= 0")
        }
        let size = options.sampleShape.reduce(1, *)
        var centreStream = RandomStream(seed: seed, stream: "data.synthetic.centres")
        let centres = (0..<(options.classes * size)).map { _ in centreStream.normal() }
        func split(_ count: Int, stream: String, name: String) throws -> Dataset {
            var rng = RandomStream(seed: seed, stream: stream)
            let samples = Tensor(shape: [count] + options.sampleShape, zeroed: false)
            var labels = [Int32]()
            labels.reserveCapacity(count)
            for n in 0..<count {
                let label = n % options.classes
                labels.append(Int32(label))
                let out = samples.data + n * size
                for i in 0..<size { out[i] = centres[label * size + i] + options.spread * rng.normal() }
            }
            return try Dataset(name: name, samples: samples, labels: labels, classes: options.classes)
        }
        return (try split(options.trainCount, stream: "data.synthetic.train", name: "synthetic/train"),
                try split(options.testCount, stream: "data.synthetic.test", name: "synthetic/test"))
    }
}

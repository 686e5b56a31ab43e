import Foundation
import XCTest
@testable import Engine

final class DataBatchTests: XCTestCase {
    /// Sample i is filled with the value i in every element, so batches reveal their indices.
    private func indexed(_ n: Int, shape: [Int] = [2]) throws -> Dataset {
        let size = shape.reduce(1, *)
        let samples = Tensor(shape: [n] + shape)
        for i in 0..<n { for j in 0..<size { samples[i * size + j] = Float(i) } }
        return try Dataset(name: "indexed", samples: samples, labels: (0..<n).map { Int32($0 % 3) }, classes: 3)
    }

    private func epochOrder(_ it: BatchIterator, epoch: Int) -> [Int] {
        it.start(epoch: epoch)
        var order = [Int]()
        while let batch = it.next() {
            let size = it.dataset.sampleSize
            for r in 0..<batch.count {
                let index = Int(batch.images[r * size])
                XCTAssertEqual(batch.indices[r], index)
                XCTAssertEqual(batch.labels[r], Int32(index % 3))
                order.append(index)
            }
        }
        return order
    }

    func testSameSeedAndEpochGiveTheSameOrder() throws {
        let data = try indexed(50)
        let a = try BatchIterator(data, batchSize: 8, seed: 11)
        let b = try BatchIterator(data, batchSize: 8, seed: 11)
        let first = epochOrder(a, epoch: 0)
        XCTAssertEqual(first, epochOrder(b, epoch: 0))
        XCTAssertEqual(first.sorted(), Array(0..<50), "every sample exactly once per epoch")
        XCTAssertNotEqual(first, Array(0..<50))
        let second = epochOrder(a, epoch: 1)
        XCTAssertNotEqual(second, first)
        XCTAssertEqual(second.sorted(), Array(0..<50))
        // Revisiting an epoch, even out of sequence, reproduces it.
        XCTAssertEqual(epochOrder(b, epoch: 1), second)
        XCTAssertEqual(epochOrder(a, epoch: 0), first)
        XCTAssertNotEqual(epochOrder(try BatchIterator(data, batchSize: 8, seed: 12), epoch: 0), first)
        XCTAssertEqual(first, RandomStream(seed: 11, stream: "data.shuffle.0").permutationOfIndices(50))
    }

    func testWithoutShuffleKeepsOrder() throws {
        let it = try BatchIterator(try indexed(7), batchSize: 3, shuffle: false)
        XCTAssertEqual(epochOrder(it, epoch: 4), Array(0..<7))
    }

    func testLastPartialBatchAndBufferReuse() throws {
        let it = try BatchIterator(try indexed(10, shape: [1, 2, 2]), batchSize: 4, seed: 0)
        XCTAssertEqual(it.batchCount, 3)
        var shapes = [[Int]]()
        var tensors = Set<ObjectIdentifier>()
        var pointers = Set<UnsafeMutablePointer<Float>>()
        while let batch = it.next() {
            shapes.append(batch.images.shape)
            tensors.insert(ObjectIdentifier(batch.images))
            pointers.insert(batch.images.data)
            XCTAssertEqual(batch.labels.count, batch.images.shape[0])
        }
        XCTAssertEqual(shapes, [[4, 1, 2, 2], [4, 1, 2, 2], [2, 1, 2, 2]])
        XCTAssertEqual(tensors.count, 1, "one batch tensor reused for the whole epoch")
        XCTAssertEqual(pointers.count, 1)
        XCTAssertNil(it.next())
        it.start(epoch: 1)
        XCTAssertEqual(it.next()?.images.shape, [4, 1, 2, 2], "a new epoch starts with full batches again")
    }

    func testBatchLargerThanDataset() throws {
        let it = try BatchIterator(try indexed(3), batchSize: 10, seed: 0)
        XCTAssertEqual(it.batchCount, 1)
        XCTAssertEqual(it.next()?.count, 3)
        XCTAssertNil(it.next())
    }

    func testBadBatchSize() throws {
        let data = try indexed(3)
        DataFixtures.expectDataError(.badOption, ["batch=0"]) { try BatchIterator(data, batchSize: 0) }
    }

    private func colourImages(_ n: Int, side: Int = 8) throws -> Dataset {
        var rng = RandomStream(seed: 4)
        let samples = Tensor(shape: [n, 3, side, side])
        for i in 0..<samples.count { samples[i] = rng.uniform(0.1, 1) }
        return try Dataset(name: "colour", samples: samples, labels: [Int32](repeating: 0, count: n), classes: 1)
    }

    func testAugmentationKeepsShapesAndIsSeeded() throws {
        let data = try colourImages(12)
        func epoch(_ seed: UInt64, _ e: Int) throws -> [Float] {
            let it = try BatchIterator(data, batchSize: 5, seed: seed, augmentation: .standard)
            it.start(epoch: e)
            var values = [Float]()
            while let b = it.next() {
                XCTAssertEqual(Array(b.images.shape.dropFirst()), [3, 8, 8])
                values += b.images.array
            }
            return values
        }
        let a = try epoch(1, 0)
        XCTAssertEqual(a.count, 12 * 3 * 64)
        XCTAssertEqual(a, try epoch(1, 0))
        XCTAssertNotEqual(a, try epoch(1, 1))
        XCTAssertNotEqual(a, try epoch(2, 0))
        // Translation by up to 4 pixels uncovers border pixels, which hold the padding zero.
        XCTAssertTrue(a.contains(0))
        let plain = try BatchIterator(data, batchSize: 5, seed: 1)
        XCTAssertFalse(plain.next()?.images.array.contains(0) ?? true)
    }

    /// With only the flip enabled every sample is either itself or its mirror image.
    func testFlipMirrorsRows() throws {
        let data = try colourImages(20, side: 4)
        let it = try BatchIterator(data, batchSize: 20, shuffle: false, seed: 3, augmentation: Augmentation(horizontalFlip: true))
        let batch = try XCTUnwrap(it.next())
        var flipped = 0
        for n in 0..<20 {
            let src = Array(data.samples.buffer[(n * 48)..<((n + 1) * 48)])
            let out = Array(batch.images.buffer[(n * 48)..<((n + 1) * 48)])
            let mirror: [Float] = (0..<48).map { (i: Int) -> Float in
                let x = i % 4
                return src[i - x + 3 - x]
            }
            XCTAssertTrue(out == src || out == mirror, "sample \(n) is neither the image nor its mirror")
            if out == mirror { flipped += 1 }
        }
        XCTAssertTrue((3...17).contains(flipped), "flip should happen about half the time, got \(flipped)/20")
    }

    /// Padding writes raw black, i.e. -mean/std after normalisation, not the normalised 0.
    func testPaddingUsesNormalisedBlack() throws {
        var data = try colourImages(4)
        let stats = ChannelStatistics(mean: [0.5, 0.4, 0.3], std: [0.25, 0.2, 0.1])
        try data.normalize(with: stats)
        let it = try BatchIterator(data, batchSize: 4, seed: 9, augmentation: Augmentation(cropPadding: 7))
        let values = try XCTUnwrap(it.next()).images
        var seen = Set<Float>()
        for n in 0..<4 { for c in 0..<3 {
            let corner = values[((n * 3 + c) * 8 + 0) * 8 + 0], far = values[((n * 3 + c) * 8 + 7) * 8 + 7]
            if corner == stats.normalizedZero(channel: c) || far == stats.normalizedZero(channel: c) { seen.insert(Float(c)) }
        } }
        XCTAssertEqual(seen.count, 3, "each channel shows its own padding value in some corner")
    }

    /// Grayscale images are augmented like colour ones; feature tables have no pixels to move.
    func testAugmentationOfGrayscaleImagesAndRefusalOfFeatures() throws {
        var rng = RandomStream(seed: 6)
        let samples = Tensor(shape: [6, 1, 5, 5])
        for i in 0..<samples.count { samples[i] = rng.uniform(0.1, 1) }
        let grey = try Dataset(name: "grey", samples: samples, labels: [Int32](repeating: 0, count: 6), classes: 1)
        func batch(_ seed: UInt64) throws -> [Float] {
            try XCTUnwrap(try BatchIterator(grey, batchSize: 6, shuffle: false, seed: seed, augmentation: Augmentation(cropPadding: 2, horizontalFlip: true)).next()).images.array
        }
        let a = try batch(1)
        XCTAssertEqual(a, try batch(1), "the same seed gives the same batch")
        XCTAssertNotEqual(a, try batch(2))
        XCTAssertNotEqual(a, samples.array, "some sample moved")
        XCTAssertTrue(a.contains(0), "a shifted image shows the black padding")
        let table = try Dataset(name: "table", samples: Tensor(shape: [2, 8]), labels: [0, 0], classes: 1)
        DataFixtures.expectDataError(.badOption, ["table", "images [C, H, W]", "[8]", "pad="]) {
            try BatchIterator(table, batchSize: 2, augmentation: .standard)
        }
        DataFixtures.expectDataError(.badOption, ["crop padding 8", "pad=", "between 0 and 7"]) {
            try BatchIterator(try colourImages(2), batchSize: 2, augmentation: Augmentation(cropPadding: 8))
        }
    }
}

private extension RandomStream {
    /// The Fisher-Yates order BatchIterator documents it uses.
    func permutationOfIndices(_ n: Int) -> [Int] {
        var copy = self
        return copy.permutation(n)
    }
}

import CZlib
import Foundation
import XCTest
@testable import Engine

/// PNG and JPEG class folders: the codecs, resizing, layouts and every refused image.
final class DataImageFolderTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws { folder = try DataFixtures.temporaryFolder() }
    override func tearDown() { DataFixtures.remove(folder) }

    private func url(_ path: String) -> URL { folder.appendingPathComponent(path) }

    /// A w x h image whose pixel values follow the position, channel by channel.
    private func pattern(_ w: Int, _ h: Int, channels: Int = 1, seed: Int = 0) -> ImageCodec.Image {
        let pixels: [UInt8] = (0..<(w * h * channels)).map { (i: Int) -> UInt8 in UInt8(truncatingIfNeeded: i * 37 + seed * 11 + (i / w) * 5) }
        return ImageCodec.Image(width: w, height: h, channels: channels, pixels: pixels)
    }

    private func writePNG(_ image: ImageCodec.Image, _ path: String) throws {
        try FileManager.default.createDirectory(at: url(path).deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(try ImageCodec.encodePNG(image)).write(to: url(path))
    }

    /// train/{a,b}/ with two images each and test/{a,b}/ with one: 6 grayscale images of w x h.
    private func smallFolder(_ root: String = "set", w: Int = 5, h: Int = 4) throws -> URL {
        for (i, path) in ["train/a/0.png", "train/a/1.png", "train/b/0.png", "train/b/1.png", "test/a/0.png", "test/b/0.png"].enumerated() {
            try writePNG(pattern(w, h, seed: i), "\(root)/\(path)")
        }
        return url(root)
    }

    private func load(_ dir: URL, _ images: ImageFolderReader.Options = .init(), seed: UInt64 = 0) throws -> DataBundle {
        try DataCatalog(environment: [:], workingDirectory: folder).load(dir.path, DataOptions(seed: seed, normalization: .none, images: images))
    }

    private func expectError(_ fragments: [String], file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Any) {
        do {
            _ = try body()
            XCTFail("expected an error mentioning \(fragments)", file: file, line: line)
        } catch {
            let text = "\(error)"
            for f in fragments { XCTAssertTrue(text.contains(f), "message lacks '\(f)': \(text)", file: file, line: line) }
        }
    }

    // MARK: Codecs

    func testPNGRoundTripsExactly() throws {
        for channels in [1, 3] {
            let image = pattern(7, 3, channels: channels)
            let (back, header) = try ImageCodec.decode(try ImageCodec.encodePNG(image), channels: channels, maximumPixels: 100)
            XCTAssertEqual(header, ImageCodec.Header(width: 7, height: 3, channels: channels, format: "PNG"))
            XCTAssertEqual(back.pixels, image.pixels)
        }
    }

    func testJPEGRoundTripsClosely() throws {
        let pixels: [UInt8] = (0..<768).map { (i: Int) -> UInt8 in UInt8((i / 3 % 16) * 12 + (i % 3) * 20) }
        let image = ImageCodec.Image(width: 16, height: 16, channels: 3, pixels: pixels)
        let bytes = try ImageCodec.encodeJPEG(image, quality: 95)
        let (back, header) = try ImageCodec.decode(bytes, channels: 3, maximumPixels: 1000)
        XCTAssertEqual(header.format, "JPEG")
        let error: Int = zip(back.pixels, image.pixels).map { (a: UInt8, b: UInt8) -> Int in abs(Int(a) - Int(b)) }.reduce(0, +)
        XCTAssertLessThan(Double(error) / 768, 4, "quality 95 stays within a few levels on average")
    }

    func testModeConversion() throws {
        let colour = ImageCodec.Image(width: 1, height: 1, channels: 3, pixels: [255, 0, 0])
        let (gray, header) = try ImageCodec.decode(try ImageCodec.encodePNG(colour), channels: 1, maximumPixels: 1)
        XCTAssertEqual(header.channels, 3, "the header reports the stored mode")
        XCTAssertEqual(gray.channels, 1)
        XCTAssertEqual(Int(gray.pixels[0]), 54, accuracy: 2, "red has luma 0.2126")
        let (rgb, _) = try ImageCodec.decode(try ImageCodec.encodePNG(pattern(2, 2)), channels: 3, maximumPixels: 4)
        XCTAssertEqual(rgb.pixels.count, 12)
        XCTAssertEqual(rgb.pixels[0], rgb.pixels[1])
    }

    func testDamagedImagesFailWithAMessageNotACrash() throws {
        let png = try ImageCodec.encodePNG(pattern(20, 20))
        let jpeg = try ImageCodec.encodeJPEG(pattern(20, 20), quality: 90)
        var flipped = png
        flipped[60] ^= 0x55
        for (bytes, name) in [(Array(png.prefix(png.count / 2)), "truncated png"), (flipped, "flipped png"),
                              (Array(jpeg.prefix(jpeg.count / 2)), "truncated jpeg"), (Array(jpeg.prefix(40)), "jpeg header"),
                              (Array("GIF89a".utf8), "gif"), ([], "empty")] {
            XCTAssertThrowsError(try ImageCodec.decode(bytes, channels: 1, maximumPixels: 1000), name) { error in
                XCTAssertFalse("\(error)".isEmpty, name)
            }
        }
    }

    // MARK: Folders

    func testTrainTestFolderReadsClassesInSortedOrder() throws {
        let bundle = try load(try smallFolder())
        XCTAssertEqual(bundle.train.samples.shape, [4, 1, 4, 5])
        XCTAssertEqual(bundle.train.labels, [0, 0, 1, 1])
        XCTAssertEqual(bundle.test.labels, [0, 1])
        XCTAssertEqual(bundle.classes, 2)
        let first = pattern(5, 4, seed: 0)
        for i in 0..<20 { XCTAssertEqual(bundle.train.samples[i], Float(first.pixels[i]) * (1 / 255 as Float)) }
        XCTAssertTrue(bundle.identity.hasPrefix("set[images:6:"), bundle.identity)
        XCTAssertNil(bundle.val)
    }

    func testValidationFolderAndColourImagesAreChannelsFirst() throws {
        let image = pattern(3, 2, channels: 3)
        for path in ["train/x/0.png", "test/x/0.png", "val/x/0.png"] { try writePNG(image, "c/\(path)") }
        let bundle = try load(url("c"))
        XCTAssertEqual(bundle.val?.count, 1)
        XCTAssertEqual(bundle.train.sampleShape, [3, 2, 3])
        // Plane 1 (green) position 4 is interleaved pixel 4 * 3 + 1.
        XCTAssertEqual(bundle.train.samples[6 + 4], Float(image.pixels[13]) * (1 / 255 as Float))
    }

    func testSplitOptionForAClassFolderIsSeeded() throws {
        for c in ["cat", "dog"] { for i in 0..<10 { try writePNG(pattern(4, 4, seed: i), "flat/\(c)/\(i).png") } }
        expectError(["flat", "split=0.2"]) { try self.load(self.url("flat")) }
        let a = try load(url("flat"), .init(split: 0.25), seed: 1)
        XCTAssertEqual(a.train.count, 15)
        XCTAssertEqual(a.test.count, 5)
        XCTAssertEqual(try load(url("flat"), .init(split: 0.25), seed: 1).test.samples.array, a.test.samples.array)
        XCTAssertNotEqual(try load(url("flat"), .init(split: 0.25), seed: 2).test.samples.array, a.test.samples.array)
        expectError(["split= is for a folder"]) { try self.load(try self.smallFolder(), .init(split: 0.5)) }
    }

    func testResizeAveragesWhenShrinkingAndCropsTheCentre() throws {
        // 8 wide, 4 high, in 2x2 blocks of one value each: shrinking to 2 high averages each block,
        // and the 4-wide result is cropped to its centre 2 columns (blocks 1 and 2).
        var pixels = [UInt8]()
        for y in 0..<4 { for x in 0..<8 { pixels.append(UInt8(10 * (x / 2) + 100 * (y / 2))) } }
        let image = ImageCodec.Image(width: 8, height: 4, channels: 1, pixels: pixels)
        try writePNG(image, "r/train/a/0.png")
        try writePNG(pattern(3, 5), "r/test/a/0.png")
        let bundle = try load(url("r"), .init(size: 2))
        XCTAssertEqual(bundle.train.sampleShape, [1, 2, 2])
        let expected: [Float] = [10, 20, 110, 120].map { $0 / 255 }
        for i in 0..<4 { XCTAssertEqual(bundle.train.samples[i], expected[i], accuracy: 1e-6) }
        // Enlarging a constant image keeps it constant.
        try writePNG(ImageCodec.Image(width: 2, height: 3, channels: 1, pixels: [UInt8](repeating: 77, count: 6)), "u/train/a/0.png")
        try writePNG(pattern(3, 5), "u/test/a/0.png")
        let up = try load(url("u"), .init(size: 9))
        XCTAssertEqual(up.train.sampleShape, [1, 9, 9])
        for i in 0..<81 { XCTAssertEqual(up.train.samples[i], 77 / 255, accuracy: 1e-5) }
    }

    func testWrongSizeAndMixedModeAreRefusedByName() throws {
        let dir = try smallFolder()
        try writePNG(pattern(6, 4), "set/test/b/1.png")
        expectError([url("set/test/b/1.png").path, "6x4", "5x4", "size="]) { try self.load(dir) }
        XCTAssertEqual(try load(dir, .init(size: 4)).test.count, 3, "size= resizes every image")
        try FileManager.default.removeItem(at: url("set/test/b/1.png"))
        try writePNG(pattern(5, 4, channels: 3), "set/train/b/2.png")
        expectError([url("set/train/b/2.png").path, "colour", "grayscale", "channels="]) { try self.load(dir) }
        XCTAssertEqual(try load(dir, .init(channels: 1)).train.count, 5, "channels=1 converts the colour image")
        XCTAssertEqual(try load(dir, .init(channels: 3)).train.sampleShape, [3, 4, 5])
        expectError(["channels=2"]) { try self.load(dir, .init(channels: 2)) }
    }

    func testCorruptImagesAreRefusedByName() throws {
        let dir = try smallFolder()
        let target = url("set/test/b/0.png")
        let good = try Data(contentsOf: target)
        for (bytes, fragment) in [(good.prefix(good.count - 20), "cannot be decoded"), (Data("not an image".utf8), "neither a PNG nor a JPEG"),
                                  (Data(), "neither a PNG nor a JPEG")] {
            try bytes.write(to: target)
            expectError([target.path, fragment]) { try self.load(dir) }
        }
        let jpeg = try ImageCodec.encodeJPEG(pattern(5, 4), quality: 90)
        try Data(jpeg.prefix(jpeg.count - 30)).write(to: target)
        expectError([target.path, "cannot be decoded"]) { try self.load(dir) }
        // A whole JPEG under a .png name decodes: the content decides.
        try Data(jpeg).write(to: target)
        XCTAssertEqual(try load(dir).test.count, 2)
    }

    func testLayoutErrors() throws {
        let dir = try smallFolder()
        try writePNG(pattern(5, 4), "set/test/zebra/0.png")
        expectError([url("set/test/zebra").path, "not among the training classes", "a, b"]) { try self.load(dir) }
        try FileManager.default.removeItem(at: url("set/test"))
        expectError(["has train/ but no test/"]) { try self.load(dir) }
        try FileManager.default.createDirectory(at: url("set/test/a"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: url("set/train/c"), withIntermediateDirectories: true)
        expectError([url("set/train/c").path, "no .png, .jpg or .jpeg"]) { try self.load(dir) }
    }

    /// The budget is checked from the listing and the first header, before any other image is
    /// read: a damaged image later in the folder is never reached.
    func testBeyondTheBudgetFailsBeforeDecoding() throws {
        let dir = try smallFolder()
        try Data("damaged".utf8).write(to: url("set/test/b/0.png"))
        expectError([dir.path, "6 images of 1x4x5", "PRN_MEMORY_GB"]) {
            try ImageFolderReader.load(dir, label: "set", options: .init(), seed: 0, budget: (400, "the test budget"))
        }
    }

    /// A PNG header claiming 9000 x 9000 pixels is refused from the header, before the dataset's
    /// tensor or the image's pixels are allocated.
    func testHugeImageHeaderIsRefusedBeforeAllocating() throws {
        let dir = try smallFolder()
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            let crc = body.withUnsafeBufferPointer { UInt32(truncatingIfNeeded: crc32(0, $0.baseAddress, UInt32($0.count))) }
            return NPYFixtures.littleEndian([UInt32(data.count).byteSwapped]) + body + NPYFixtures.littleEndian([crc.byteSwapped])
        }
        let side = NPYFixtures.littleEndian([UInt32(9000).byteSwapped])
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", side + side + [8, 0, 0, 0, 0])
            + chunk("IDAT", [0x78, 0x9C]) + chunk("IEND", [])
        try Data(png).write(to: url("set/train/a/0.png"))
        expectError([url("set/train/a/0.png").path, "9000x9000", "larger than prn decodes"]) {
            try ImageFolderReader.load(dir, label: "set", options: .init(), seed: 0, budget: (Int.max, "no limit"))
        }
    }

    func testImageOptionsRefusedForOtherFormats() throws {
        try DataFixtures.writeMNISTFolder(url("idx"))
        DataFixtures.expectDataError(.badOption, ["size=, channels= and split= apply to image folders only"]) {
            try self.load(self.url("idx"), .init(size: 4))
        }
    }

    /// The test of record: Fashion-MNIST images written as PNG read back to exactly the IDX
    /// pixels; as JPEG (quality 95) they train a model to nearly the same accuracy.
    func testFashionMNISTAsPNGAndJPEGFolders() throws {
        guard let dataRoot = ProcessInfo.processInfo.environment["PRN_DATA"], !dataRoot.isEmpty else {
            throw XCTSkip("PRN_DATA is not set: set it to a folder holding mnist/train-images-idx3-ubyte.gz (scripts/test does)")
        }
        let catalog = DataCatalog(environment: ["PRN_DATA": dataRoot])
        let idx = try catalog.load("fashion-mnist", DataOptions(subset: 1000, normalization: .none))
        let trainCount = 800, testCount = 300
        func writeFolder(_ name: String, jpeg: Bool) throws {
            for (split, data, count) in [("train", idx.train, trainCount), ("test", idx.test, testCount)] {
                for i in 0..<count {
                    let pixels: [UInt8] = (0..<784).map { (p: Int) -> UInt8 in UInt8((data.samples[i * 784 + p] * 255).rounded()) }
                    let image = ImageCodec.Image(width: 28, height: 28, channels: 1, pixels: pixels)
                    let bytes = jpeg ? try ImageCodec.encodeJPEG(image, quality: 95) : try ImageCodec.encodePNG(image)
                    // Zero-padded names keep each class's images in their IDX order.
                    let path = url("\(name)/\(split)/\(data.labels[i])/" + String(format: "%05d", i) + (jpeg ? ".jpg" : ".png"))
                    try FileManager.default.createDirectory(at: path.deletingLastPathComponent(), withIntermediateDirectories: true)
                    try Data(bytes).write(to: path)
                }
            }
        }
        try writeFolder("png", jpeg: false)
        try writeFolder("jpeg", jpeg: true)
        // The IDX samples in the folder's order: by class, then by position.
        func reference(_ data: Dataset, _ count: Int) throws -> Dataset {
            try data.select((0..<count).sorted { (a: Int, b: Int) -> Bool in (data.labels[a], a) < (data.labels[b], b) })
        }
        let options = DataOptions(normalization: .perChannel)
        let train = try reference(idx.train, trainCount), test = try reference(idx.test, testCount)
        let png = try catalog.load(url("png").path, options)
        XCTAssertEqual(png.train.samples.shape, [trainCount, 1, 28, 28])
        XCTAssertEqual(png.train.labels, train.labels)
        let raw = try catalog.load(url("png").path, DataOptions(normalization: .none))
        XCTAssertTrue(raw.train.samples.array == train.samples.array, "PNG gives exactly the IDX pixels")
        XCTAssertTrue(raw.test.samples.array == test.samples.array, "PNG gives exactly the IDX pixels")

        let jpeg = try catalog.load(url("jpeg").path, options)
        let rawJPEG = try catalog.load(url("jpeg").path, DataOptions(normalization: .none))
        let differences: [Float] = zip(rawJPEG.train.samples.array, train.samples.array).map { (a: Float, b: Float) -> Float in abs(a - b) }
        let meanError = differences.reduce(0, +) / Float(differences.count)
        XCTAssertLessThan(meanError, 0.01, "quality 95 moves pixels by under 1% on average")

        func accuracy(_ data: DataBundle) throws -> Double {
            try smallMLPTestAccuracy(data, epochs: 8, batch: 32, learningRate: 0.05)
        }
        // The IDX subset in the folder's order, normalised the way the catalog normalises the folders.
        let stats = ChannelStatistics.measure(train)
        XCTAssertEqual(png.statistics, stats)
        var idxTrain = try train.select(Array(0..<trainCount)), idxTest = try test.select(Array(0..<testCount))
        try idxTrain.normalize(with: stats)
        try idxTest.normalize(with: stats)
        let idxBundle = DataBundle(name: "fashion-mnist", train: idxTrain, test: idxTest, val: nil, source: "", identity: "")
        let a = try accuracy(idxBundle), b = try accuracy(png), c = try accuracy(jpeg)
        print("Fashion-MNIST \(trainCount)/\(testCount) as IDX, PNG, JPEG q95: test accuracy \(a), \(b), \(c)")
        XCTAssertGreaterThan(a, 0.65, "the small MLP learns from 800 images")
        XCTAssertEqual(a, b, "identical tensors train identically")
        XCTAssertEqual(c, a, accuracy: 0.03, "JPEG q95 stays within 3 points of the IDX accuracy")
    }
}

import Foundation
import XCTest
@testable import Engine

final class DataIDXTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws { folder = try DataFixtures.temporaryFolder() }
    override func tearDown() { DataFixtures.remove(folder) }

    private func url(_ name: String) -> URL { folder.appendingPathComponent(name) }

    func testRoundTripRawAndGzip() throws {
        let (pixels, labels) = DataFixtures.images(n: 7, h: 5, w: 4)
        for gzip in [false, true] {
            let suffix = gzip ? ".gz" : ""
            try DataFixtures.write(DataFixtures.idxBytes(dims: [7, 5, 4], values: pixels), to: url("img" + suffix), gzip: gzip)
            try DataFixtures.write(DataFixtures.idxBytes(dims: [7], values: labels), to: url("lab" + suffix), gzip: gzip)
            let data = try IDXReader.load(images: url("img" + suffix), labels: url("lab" + suffix), classes: 10, name: "t")
            XCTAssertEqual(data.samples.shape, [7, 1, 5, 4])
            XCTAssertEqual(data.sampleShape, [1, 5, 4])
            XCTAssertEqual(data.labels, labels.map(Int32.init))
            XCTAssertEqual(data.classes, 10)
            for i in 0..<pixels.count { XCTAssertEqual(data.samples[i], Float(pixels[i]) / 255, accuracy: 1e-7) }
        }
    }

    func testGzipDetectedByContentNotName() throws {
        let (pixels, _) = DataFixtures.images(n: 2, h: 3, w: 3)
        try DataFixtures.write(DataFixtures.idxBytes(dims: [2, 3, 3], values: pixels), to: url("plain-name"), gzip: true)
        XCTAssertEqual(try IDXReader.loadImages(url("plain-name")).shape, [2, 1, 3, 3])
    }

    func testMissingFile() {
        DataFixtures.expectDataError(.missingFile, [url("nope").path, "not found"]) { try IDXReader.loadImages(url("nope")) }
    }

    func testBadMagic() throws {
        try DataFixtures.write([0x50, 0x4B, 0x03, 0x04] + [UInt8](repeating: 0, count: 20), to: url("zip"))
        DataFixtures.expectDataError(.badMagic, [url("zip").path, "magic", "504B0304", "IDX"]) { try IDXReader.loadImages(url("zip")) }
    }

    func testUnsupportedValueType() throws {
        try DataFixtures.write([0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0], to: url("floats"))
        DataFixtures.expectDataError(.badMagic, ["0x0D", "unsigned-byte"]) { try IDXReader.loadLabels(url("floats")) }
    }

    func testSwappedFilesReportRank() throws {
        try DataFixtures.write(DataFixtures.idxBytes(dims: [3], values: [1, 2, 3]), to: url("labels"))
        DataFixtures.expectDataError(.badShape, ["rank 1", "swapped"]) { try IDXReader.loadImages(url("labels")) }
    }

    func testTruncatedPayload() throws {
        let bytes = DataFixtures.idxBytes(dims: [10, 4, 4], values: [UInt8](repeating: 7, count: 10 * 16))
        try DataFixtures.write(Array(bytes.dropLast(5)), to: url("cut"))
        DataFixtures.expectDataError(.truncated, [url("cut").path, "160 values", "155 bytes"]) { try IDXReader.loadImages(url("cut")) }
    }

    func testTruncatedHeader() throws {
        try DataFixtures.write([0, 0, 8, 3, 0, 0], to: url("short"))
        DataFixtures.expectDataError(.truncated, ["header needs 16 bytes", "6"]) { try IDXReader.loadImages(url("short")) }
    }

    /// A header claiming 4 billion images must fail on the size check, not try to allocate.
    func testHugeHeaderClaimFailsWithoutAllocating() throws {
        try DataFixtures.write(DataFixtures.idxBytes(dims: [0xFFFF_FFFF, 0xFFFF, 0xFFFF], values: [1, 2, 3]), to: url("huge"), gzip: true)
        DataFixtures.expectDataError(.truncated, [url("huge").path, "header claims"]) { try IDXReader.loadImages(url("huge")) }
    }

    func testTrailingBytes() throws {
        try DataFixtures.write(DataFixtures.idxBytes(dims: [2], values: [1, 2, 3]), to: url("long"))
        DataFixtures.expectDataError(.countMismatch, ["1 unexpected bytes"]) { try IDXReader.loadLabels(url("long")) }
    }

    func testTruncatedGzipStream() throws {
        let (pixels, _) = DataFixtures.images(n: 50, h: 8, w: 8)
        try DataFixtures.write(DataFixtures.idxBytes(dims: [50, 8, 8], values: pixels), to: url("full.gz"), gzip: true)
        let whole = try Data(contentsOf: url("full.gz"))
        try whole.prefix(whole.count / 2).write(to: url("half.gz"))
        DataFixtures.expectDataError(.truncated, [url("half.gz").path, "gzip"]) { try IDXReader.loadImages(url("half.gz")) }
    }

    func testEmptyDataset() throws {
        try DataFixtures.write(DataFixtures.idxBytes(dims: [0, 28, 28], values: []), to: url("empty"))
        DataFixtures.expectDataError(.emptyDataset, [url("empty").path, "0 items"]) { try IDXReader.loadImages(url("empty")) }
    }

    func testLabelOutOfRange() throws {
        try DataFixtures.write(DataFixtures.idxBytes(dims: [2, 2, 2], values: [UInt8](repeating: 0, count: 8)), to: url("img"))
        try DataFixtures.write(DataFixtures.idxBytes(dims: [2], values: [3, 12]), to: url("lab"))
        DataFixtures.expectDataError(.labelOutOfRange, [url("lab").path, "label 12", "item 1", "0..<10"]) {
            try IDXReader.load(images: url("img"), labels: url("lab"), classes: 10, name: "t")
        }
    }

    func testImageLabelCountMismatch() throws {
        try DataFixtures.write(DataFixtures.idxBytes(dims: [3, 2, 2], values: [UInt8](repeating: 0, count: 12)), to: url("img"))
        try DataFixtures.write(DataFixtures.idxBytes(dims: [2], values: [1, 2]), to: url("lab"))
        DataFixtures.expectDataError(.countMismatch, [url("img").path, url("lab").path, "3 images", "2 labels"]) {
            try IDXReader.load(images: url("img"), labels: url("lab"), classes: 10, name: "t")
        }
    }

    func testRealMNIST() throws {
        // The real files come only from PRN_DATA (scripts/test points it at the shared copy).
        guard let dataRoot = ProcessInfo.processInfo.environment["PRN_DATA"], !dataRoot.isEmpty else {
            throw XCTSkip("PRN_DATA is not set: set it to a folder holding mnist/train-images-idx3-ubyte.gz (scripts/test does)")
        }
        let root = URL(fileURLWithPath: dataRoot).appendingPathComponent("mnist")
        guard FileManager.default.fileExists(atPath: root.appendingPathComponent("train-images-idx3-ubyte.gz").path) else {
            throw XCTSkip("MNIST not present at \(root.path) (PRN_DATA)")
        }
        let bundle = try DataCatalog(environment: ["PRN_DATA": dataRoot]).load("mnist")
        XCTAssertEqual(bundle.train.count, 60000)
        XCTAssertEqual(bundle.test.count, 10000)
        XCTAssertEqual(bundle.classes, 10)
        XCTAssertEqual(bundle.train.sampleShape, [1, 28, 28])
        XCTAssertEqual(bundle.source, root.path)
        // The measured statistics reproduce the constants every MNIST paper quotes.
        let stats = try XCTUnwrap(bundle.statistics)
        XCTAssertEqual(stats.mean[0], ChannelStatistics.mnist.mean[0], accuracy: 5e-5)
        XCTAssertEqual(stats.std[0], ChannelStatistics.mnist.std[0], accuracy: 5e-5)
        XCTAssertEqual(bundle.train.labels.prefix(5), [5, 0, 4, 1, 9])
        XCTAssertEqual(Set(bundle.test.labels).count, 10)
        XCTAssertTrue(bundle.identity.hasPrefix("mnist[train-images-idx3-ubyte.gz:"), bundle.identity)
    }

    func testRealFashionMNISTThroughSystemFolder() throws {
        guard FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist") else {
            throw XCTSkip("Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)")
        }
        let bundle = try DataCatalog(environment: [:]).load("fashion-mnist", DataOptions(subset: 500))
        XCTAssertEqual(bundle.train.count, 500)
        XCTAssertEqual(bundle.test.count, 500)
        XCTAssertEqual(bundle.source, "/usr/share/datasets/fashion-mnist")
    }
}

import Foundation
import XCTest
@testable import Engine

/// NumPy `.npy` folders and `.npz` archives: layouts, types, orders and every damaged input.
final class DataNPYTests: XCTestCase {
    typealias N = NPYFixtures
    private var folder: URL!

    override func setUpWithError() throws { folder = try DataFixtures.temporaryFolder() }
    override func tearDown() { DataFixtures.remove(folder) }

    private func url(_ name: String) -> URL { folder.appendingPathComponent(name) }

    private func write(_ arrays: [String: [UInt8]], in sub: String = "set") throws -> URL {
        let dir = url(sub)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, bytes) in arrays { try Data(bytes).write(to: dir.appendingPathComponent(name + ".npy")) }
        return dir
    }

    private func load(_ path: URL, _ options: DataOptions = DataOptions(normalization: .none)) throws -> DataBundle {
        try DataCatalog(environment: [:], workingDirectory: folder).load(path.path, options)
    }

    /// Four uint8 images of 2x3, labels 0...3, as a complete folder.
    private func imageArrays(train: Int = 4, test: Int = 2) -> [String: [UInt8]] {
        let pixels = (0..<(train * 6)).map { UInt8($0 * 7 % 256) }
        return ["x_train": N.npy("|u1", [train, 2, 3], payload: pixels),
                "y_train": N.npy("<i8", [train], payload: N.littleEndian((0..<train).map { Int64($0 % 4) })),
                "x_test": N.npy("|u1", [test, 2, 3], payload: Array(pixels.prefix(test * 6))),
                "y_test": N.npy("|u1", [test], payload: (0..<test).map { UInt8($0) })]
    }

    func testUInt8ImagesBecomeScaledSingleChannelImages() throws {
        let bundle = try load(try write(imageArrays()))
        XCTAssertEqual(bundle.train.samples.shape, [4, 1, 2, 3])
        XCTAssertEqual(bundle.train.labels, [0, 1, 2, 3])
        XCTAssertEqual(bundle.test.labels, [0, 1])
        XCTAssertEqual(bundle.classes, 4)
        XCTAssertEqual(bundle.train.samples[5], Float(35) / 255, accuracy: 1e-7)
        XCTAssertNil(bundle.val)
    }

    func testFloatFeatureTablesOfEveryType() throws {
        let values: [Double] = [0.5, -1.25, 3, 4e10, 0, 7]
        let forms: [(String, [UInt8])] = [("<f4", N.float32(values.map(Float.init))), ("<f8", N.float64(values)),
                                          ("<i8", N.littleEndian([Int64(1), -2, 3, 4, 0, 7]))]
        for (descr, payload) in forms {
            let dir = try write(["x_train": N.npy(descr, [3, 2], payload: payload), "y_train": N.npy("<i4", [3], payload: N.littleEndian([Int32(2), 0, 1])),
                                 "x_test": N.npy(descr, [3, 2], payload: payload), "y_test": N.npy("<i2", [3], payload: N.littleEndian([Int16(0), 1, 1]))],
                                in: descr.filter(\.isLetter) + descr.filter(\.isNumber))
            let data = try load(dir).train
            XCTAssertEqual(data.samples.shape, [3, 2], descr)
            XCTAssertEqual(data.labels, [2, 0, 1])
            let expected = descr == "<i8" ? [1, -2, 3, 4, 0, 7] : values
            for i in 0..<6 { XCTAssertEqual(data.samples[i], Float(expected[i]), descr) }
        }
    }

    func testChannelsLastImagesAreTransposedToChannelsFirst() throws {
        // (N, H, W, C) = (1, 2, 2, 3): value = 100 * channel + position.
        var hwc = [UInt8]()
        for p in 0..<4 { for c in 0..<3 { hwc.append(UInt8(100 * c + p)) } }
        var chw = [UInt8]()
        for c in 0..<3 { for p in 0..<4 { chw.append(UInt8(100 * c + p)) } }
        let labels = N.npy("|u1", [1], payload: [0])
        let last = try load(try write(["x_train": N.npy("|u1", [1, 2, 2, 3], payload: hwc), "y_train": labels,
                                       "x_test": N.npy("|u1", [1, 2, 2, 3], payload: hwc), "y_test": labels], in: "last")).train
        let first = try load(try write(["x_train": N.npy("|u1", [1, 3, 2, 2], payload: chw), "y_train": labels,
                                        "x_test": N.npy("|u1", [1, 3, 2, 2], payload: chw), "y_test": labels], in: "first")).train
        XCTAssertEqual(last.samples.shape, [1, 3, 2, 2])
        XCTAssertEqual(last.samples.array, first.samples.array)
        XCTAssertEqual(last.samples[4], Float(100) / 255, accuracy: 1e-7, "channel 1, position 0")
    }

    func testFortranOrderReadsTheSameValues() throws {
        // A (2, 3, 2) array a[i, j, k] = 6i + 2j + k, stored in C order and in Fortran order.
        let shape = [2, 3, 2]
        var c = [Float](), f = [Float](repeating: 0, count: 12)
        for i in 0..<2 { for j in 0..<3 { for k in 0..<2 {
            c.append(Float(6 * i + 2 * j + k))
            f[i + 2 * j + 6 * k] = Float(6 * i + 2 * j + k)
        } } }
        let labels = N.npy("<i8", [2], payload: N.littleEndian([Int64(0), 1]))
        let labelsF = N.npy("<i8", [2, 1], fortran: true, payload: N.littleEndian([Int64(0), 1]))
        let fromC = try load(try write(["x_train": N.npy("<f4", shape, payload: N.float32(c)), "y_train": labels,
                                        "x_test": N.npy("<f4", shape, payload: N.float32(c)), "y_test": labels], in: "c")).train
        let fromF = try load(try write(["x_train": N.npy("<f4", shape, fortran: true, payload: N.float32(f)), "y_train": labelsF,
                                        "x_test": N.npy("<f4", shape, fortran: true, payload: N.float32(f)), "y_test": labels], in: "f")).train
        XCTAssertEqual(fromC.samples.array, c)
        XCTAssertEqual(fromF.samples.array, c)
        XCTAssertEqual(fromF.labels, [0, 1])
    }

    func testHeaderVersionTwoIsRead() throws {
        var arrays = imageArrays()
        arrays["x_train"] = N.npy("|u1", [4, 2, 3], payload: (0..<24).map { UInt8($0 * 7 % 256) }, version: 2)
        XCTAssertEqual(try load(try write(arrays)).train.samples.shape, [4, 1, 2, 3])
    }

    func testNPZStoredAndDeflatedWithValidationSplit() throws {
        var arrays = imageArrays()
        arrays["x_val"] = N.npy("|u1", [1, 2, 3], payload: [1, 2, 3, 4, 5, 6])
        arrays["y_val"] = N.npy("|u1", [1], payload: [3])
        let reference = try load(try write(imageArrays()))
        for deflate in [false, true] {
            let archive = url(deflate ? "compressed.npz" : "stored.npz")
            try Data(try N.zip(arrays.sorted { $0.key < $1.key }.map { ($0.key + ".npy", $0.value) }, deflate: deflate)).write(to: archive)
            let bundle = try load(archive)
            XCTAssertEqual(bundle.name, deflate ? "compressed" : "stored")
            XCTAssertEqual(bundle.train.samples.array, reference.train.samples.array)
            XCTAssertEqual(bundle.test.labels, reference.test.labels)
            XCTAssertEqual(bundle.val?.labels, [3])
            XCTAssertEqual(bundle.val?.samples[5] ?? 0, Float(6) / 255, accuracy: 1e-7)
        }
        // A relative name ending in .npz is a path, not a dataset name.
        XCTAssertEqual(try DataCatalog(environment: [:], workingDirectory: folder).load("stored.npz").train.count, 4)
    }

    func testValidationOptionRefusedWhenTheFilesHoldOne() throws {
        var arrays = imageArrays()
        arrays["x_val"] = N.npy("|u1", [1, 2, 3], payload: [1, 2, 3, 4, 5, 6])
        arrays["y_val"] = N.npy("|u1", [1], payload: [3])
        let dir = try write(arrays)
        DataFixtures.expectDataError(.badOption, ["already holds a validation split"]) {
            try self.load(dir, DataOptions(validation: .fraction(0.5), normalization: .none))
        }
    }

    func testNumpyWrittenArchiveIsRead() throws {
        let python = "/usr/bin/python3"
        guard FileManager.default.isExecutableFile(atPath: python) else { throw XCTSkip("no \(python)") }
        let script = """
        import numpy as np, sys
        x = (np.arange(5 * 4 * 3 * 3) % 251).astype(np.uint8).reshape(5, 4, 3, 3)
        y = np.array([0, 1, 2, 1, 0], dtype=np.int64)
        np.savez_compressed(sys.argv[1], x_train=x, y_train=y, x_test=np.asfortranarray(x.astype(np.float32)), y_test=y)
        np.savez(sys.argv[2], x_train=x.astype(np.float64), y_train=y, x_test=x, y_test=y.astype(np.uint8))
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script, url("a.npz").path, url("b.npz").path]
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw XCTSkip("\(python) has no numpy") }
        let a = try load(url("a.npz")), b = try load(url("b.npz"))
        XCTAssertEqual(a.train.samples.shape, [5, 3, 4, 3], "(N, H, W, C) with C = 3 becomes (N, C, H, W)")
        // x = arange % 251: element (n, h, w, c) is 36n + 9h + 3w + c; in [N, C, H, W] it sits at
        // 36n + 12c + 3h + w. Sample 1, channel 2, row 1, column 2:
        let at = 1 * 36 + 2 * 12 + 1 * 3 + 2, value = 1 * 36 + 1 * 9 + 2 * 3 + 2
        XCTAssertEqual(a.train.samples[at], Float(value) / 255, accuracy: 1e-7)
        XCTAssertEqual(a.test.samples[at], Float(value), "float32 Fortran-order values are not scaled")
        XCTAssertEqual(b.train.samples[at], Float(value))
        XCTAssertEqual(a.train.labels, [0, 1, 2, 1, 0])
        XCTAssertEqual(b.test.labels, [0, 1, 2, 1, 0])
    }

    // MARK: Damaged inputs, each named by file

    func testTruncatedArray() throws {
        var arrays = imageArrays()
        arrays["x_train"] = Array(arrays["x_train"]!.dropLast(5))
        let dir = try write(arrays)
        N.expectError([dir.appendingPathComponent("x_train.npy").path, "need 24 data bytes", "only 19", "truncated"]) { try self.load(dir) }
    }

    func testTrailingBytes() throws {
        var arrays = imageArrays()
        arrays["y_test"]! += [1, 2]
        N.expectError(["y_test.npy", "2 unexpected bytes"]) { try self.load(try self.write(arrays)) }
    }

    func testNotNPY() throws {
        var arrays = imageArrays()
        arrays["x_test"] = Array("just text, no array".utf8)
        N.expectError(["x_test.npy", "not a NumPy .npy file"]) { try self.load(try self.write(arrays)) }
    }

    func testDamagedHeaders() throws {
        let cases: [([UInt8], String)] = [
            (Array(N.npy("|u1", [4, 2, 3], payload: []).prefix(30)), "claims"),
            ([0x93] + Array("NUMPY".utf8) + [9, 0, 10, 0] + Array("{}        ".utf8), "version 9"),
            (N.npy("|u1", [4, 2, 3], payload: []).map { $0 == UInt8(ascii: "(") ? UInt8(ascii: "[") : $0 }, "shape is not a tuple"),
        ]
        for (bytes, fragment) in cases {
            var arrays = imageArrays()
            arrays["x_train"] = bytes
            N.expectError(["x_train.npy", fragment]) { try self.load(try self.write(arrays)) }
        }
    }

    func testHugeShapeClaimFailsWithoutAllocating() throws {
        var arrays = imageArrays()
        arrays["x_train"] = N.npy("<f8", [1 << 40, 1 << 40, 1 << 40], payload: [1, 2, 3])
        N.expectError(["x_train.npy", "only 3 follow", "truncated"]) { try self.load(try self.write(arrays)) }
    }

    func testUnsupportedTypes() throws {
        for (descr, role, name) in [(">f4", "features", "x_train"), ("<c8", "features", "x_train"), ("<i4", "features", "x_train"),
                                    ("<f4", "labels", "y_train"), ("|b1", "labels", "y_train")] {
            var arrays = imageArrays()
            arrays[name] = N.npy(descr, name == "x_train" ? [4, 6] : [4], payload: [UInt8](repeating: 0, count: (name == "x_train" ? 24 : 4) * (Int(String(descr.last!)) ?? 1)))
            N.expectError(["\(name).npy", "'\(descr)'"]) { try self.load(try self.write(arrays, in: "t\(descr.filter(\.isLetter))\(role)")) }
        }
    }

    func testCountMismatchNamesBothFiles() throws {
        var arrays = imageArrays()
        arrays["y_train"] = N.npy("|u1", [3], payload: [0, 1, 2])
        N.expectError(["x_train.npy holds 4 samples", "y_train.npy holds 3 labels"]) { try self.load(try self.write(arrays)) }
    }

    func testSplitsWithDifferentSampleShapes() throws {
        var arrays = imageArrays()
        arrays["x_test"] = N.npy("|u1", [2, 3, 2], payload: [UInt8](repeating: 0, count: 12))
        N.expectError(["x_test.npy", "(2, 1, 3, 2)", "(4, 1, 2, 3)", "same sample shape"]) { try self.load(try self.write(arrays)) }
    }

    func testBadLabelsAndValues() throws {
        var negative = imageArrays()
        negative["y_train"] = N.npy("<i8", [4], payload: N.littleEndian([Int64(0), 1, -3, 1]))
        N.expectError(["y_train.npy", "label -3 of sample 2"]) { try self.load(try self.write(negative, in: "neg")) }
        var nan = imageArrays()
        nan["x_train"] = N.npy("<f4", [4, 6], payload: N.float32([Float](repeating: 0, count: 23) + [.nan]))
        nan["x_test"] = N.npy("<f4", [2, 6], payload: N.float32([Float](repeating: 0, count: 12)))
        N.expectError(["x_train.npy", "value 23", "NaN"]) { try self.load(try self.write(nan, in: "nan")) }
    }

    func testShapesThatCannotBeSamples() throws {
        for (shape, fragment) in [([24], "(N, features)"), ([1, 2, 2, 3, 1], "(N, features)"), ([2, 3, 3, 3], "ambiguous"),
                                  ([2, 4, 3, 2], "no channel axis"), ([4, 0], "empty axis")] {
            var arrays = imageArrays()
            arrays["x_train"] = N.npy("|u1", shape, payload: [UInt8](repeating: 0, count: shape.reduce(1, *)))
            N.expectError(["x_train.npy", fragment]) { try self.load(try self.write(arrays, in: "s\(shape.count)\(shape.reduce(1, *))")) }
        }
    }

    func testBeyondTheMemoryBudget() throws {
        let array = try NPYReader.parse(N.npy("|u1", [100, 10, 10], payload: [UInt8](repeating: 0, count: 10_000))[...], file: "big.npy")
        N.expectError(["big.npy", "0.00 GB", "PRN_MEMORY_GB"]) { try NPYReader.features(array, budget: (1000, "the test budget")) }
        XCTAssertEqual(try NPYReader.features(array, budget: (40_000, "the test budget")).shape, [100, 1, 10, 10])
    }

    func testMissingArrayInArchiveListsWhatItHolds() throws {
        var arrays = imageArrays()
        arrays["y_test"] = nil
        let archive = url("partial.npz")
        try Data(try N.zip(arrays.map { ($0.key + ".npy", $0.value) }, deflate: false)).write(to: archive)
        N.expectError([archive.path, "no array 'y_test'", "x_test", "numpy.savez"]) { try self.load(archive) }
    }

    func testValidationFeaturesWithoutLabels() throws {
        var arrays = imageArrays()
        arrays["x_val"] = N.npy("|u1", [1, 2, 3], payload: [1, 2, 3, 4, 5, 6])
        N.expectError(["no array 'y_val'"]) { try self.load(try self.write(arrays)) }
    }

    func testDamagedArchives() throws {
        let entries = imageArrays().sorted { $0.key < $1.key }.map { ($0.key + ".npy", $0.value) }
        let good = try N.zip(entries, deflate: true)
        // Truncated: the end record is gone.
        try Data(good.prefix(good.count - 30)).write(to: url("cut.npz"))
        N.expectError([url("cut.npz").path, "truncated"]) { try self.load(self.url("cut.npz")) }
        // A flipped byte inside the first entry's deflate stream.
        var flipped = good
        flipped[60] ^= 0xFF
        try Data(flipped).write(to: url("flipped.npz"))
        N.expectError([url("flipped.npz").path + ":x_test.npy"]) { try self.load(self.url("flipped.npz")) }
        // Not a zip at all.
        try Data("PK but nothing else, nothing at all".utf8).write(to: url("text.npz"))
        N.expectError([url("text.npz").path, "end record is missing"]) { try self.load(self.url("text.npz")) }
        // An unknown compression method (bzip2 = 12) in the first entry's directory record.
        var bzip = try N.zip(entries, deflate: false)
        let directory = bzip.indices.first { bzip[$0] == 0x50 && bzip[$0 + 1] == 0x4B && bzip[$0 + 2] == 1 && bzip[$0 + 3] == 2 }!
        bzip[directory + 10] = 12
        try Data(bzip).write(to: url("bzip.npz"))
        N.expectError(["bzip.npz:x_test.npy", "method 12"]) { try self.load(self.url("bzip.npz")) }
    }

    /// The directory's sizes are checked against what the deflate stream really produces; output
    /// grows only with inflated data, so a claim of 2 GB for a few bytes costs nothing.
    func testArchiveSizesThatLie() throws {
        let entries = imageArrays().sorted { $0.key < $1.key }.map { ($0.key + ".npy", $0.value) }
        try Data(try N.zip(entries, deflate: true, declaredSize: 2_000_000_000)).write(to: url("claims.npz"))
        N.expectError(["claims.npz:x_train.npy", "not the 2000000000"]) { try self.load(self.url("claims.npz")) }
        try Data(try N.zip(entries, deflate: true, declaredSize: 100)).write(to: url("short.npz"))
        N.expectError(["short.npz:x_train.npy", "inflates past the 100 bytes"]) { try self.load(self.url("short.npz")) }
    }

    /// The test of record: Fashion-MNIST saved as .npy arrays reads to exactly the IDX tensors, so
    /// a model trained on either form reaches the same accuracy.
    func testFashionMNISTAsNPYTrainsLikeTheIDXFiles() throws {
        guard let dataRoot = ProcessInfo.processInfo.environment["PRN_DATA"], !dataRoot.isEmpty else {
            throw XCTSkip("PRN_DATA is not set: set it to a folder holding mnist/train-images-idx3-ubyte.gz (scripts/test does)")
        }
        let catalog = DataCatalog(environment: ["PRN_DATA": dataRoot])
        let located = try catalog.locator.locate(name: "fashion-mnist")
        let dir = url("fashion-npy")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (files, split) in [(located.trainFiles, "train"), (located.testFiles, "test")] {
            let images = try IDXReader.parse(files[0], expectedRanks: [3], role: "images")
            let labels = try IDXReader.parse(files[1], expectedRanks: [1], role: "labels")
            try Data(N.npy("|u1", images.dimensions, payload: Array(images.payload))).write(to: dir.appendingPathComponent("x_\(split).npy"))
            // Labels as int64, the type numpy gives integer arrays by default.
            try Data(N.npy("<i8", labels.dimensions, payload: N.littleEndian(labels.payload.map { Int64($0) })))
                .write(to: dir.appendingPathComponent("y_\(split).npy"))
        }
        let options = DataOptions(subset: 2000)
        let idx = try catalog.load("fashion-mnist", options)
        let npy = try catalog.load(dir.path, options)
        XCTAssertEqual(npy.train.samples.shape, [2000, 1, 28, 28])
        XCTAssertTrue(npy.train.samples.array == idx.train.samples.array, "the .npy pixels are the IDX pixels")
        XCTAssertEqual(npy.test.labels, idx.test.labels)
        XCTAssertEqual(npy.statistics, idx.statistics)
        func accuracy(_ data: DataBundle) throws -> Double {
            try smallMLPTestAccuracy(data, epochs: 2, batch: 64, learningRate: 0.1)
        }
        let a = try accuracy(idx), b = try accuracy(npy)
        XCTAssertGreaterThan(a, 0.7, "the small MLP learns Fashion-MNIST")
        XCTAssertEqual(a, b, "the same tensors train to the same accuracy")
    }
}

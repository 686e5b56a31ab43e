import Foundation
import XCTest
@testable import Engine

/// Seeded random damage to valid NumPy arrays, .npz archives and PNG/JPEG images: every
/// damaged input must end in a value or an error, never a trap (which would end the test run).
final class DataDamageSweepTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws { folder = try DataFixtures.temporaryFolder() }
    override func tearDown() { DataFixtures.remove(folder) }

    /// `count` damaged copies of `bytes`: a few bytes overwritten, and every third one cut short.
    private func damaged(_ bytes: [UInt8], count: Int, seed: UInt64) -> [[UInt8]] {
        var rng = RandomStream(seed: seed)
        return (0..<count).map { i in
            var copy = bytes
            for _ in 0..<(1 + rng.int(4)) { copy[rng.int(copy.count)] = UInt8(rng.int(256)) }
            if i % 3 == 0 { copy = Array(copy.prefix(rng.int(copy.count))) }
            return copy
        }
    }

    func testDamagedArraysEndInErrors() throws {
        let x = NPYFixtures.npy("<f4", [3, 2, 2, 3], payload: NPYFixtures.float32((0..<36).map(Float.init)))
        let y = NPYFixtures.npy("<i8", [3], payload: NPYFixtures.littleEndian([Int64(0), 1, 2]))
        var errors = 0
        for bytes in damaged(x, count: 400, seed: 1) + damaged(y, count: 200, seed: 2) {
            do {
                let array = try NPYReader.parse(bytes[...], file: "damaged.npy")
                _ = try? NPYReader.features(array)
                _ = try? NPYReader.labels(array)
            } catch {
                errors += 1
            }
        }
        XCTAssertGreaterThan(errors, 100, "most damage is caught by the header and size checks")
    }

    func testDamagedArchivesEndInErrors() throws {
        let arrays = [("x_train.npy", NPYFixtures.npy("|u1", [2, 2, 2], payload: [1, 2, 3, 4, 5, 6, 7, 8])),
                      ("y_train.npy", NPYFixtures.npy("|u1", [2], payload: [0, 1]))]
        let url = folder.appendingPathComponent("damaged.npz")
        var errors = 0
        for deflate in [false, true] {
            for bytes in damaged(try NPYFixtures.zip(arrays, deflate: deflate), count: 300, seed: deflate ? 4 : 3) {
                try Data(bytes).write(to: url)
                do {
                    let zip = try ZipArchive(url)
                    for entry in zip.entries { _ = try? NPYReader.parse(try zip.contents(entry)[...], file: entry.name) }
                } catch {
                    errors += 1
                }
            }
        }
        XCTAssertGreaterThan(errors, 100)
    }

    func testDamagedImagesEndInErrors() throws {
        let image = ImageCodec.Image(width: 12, height: 9, channels: 3, pixels: (0..<324).map { UInt8(truncatingIfNeeded: $0 * 13) })
        var errors = 0
        for bytes in damaged(try ImageCodec.encodePNG(image), count: 300, seed: 5) + damaged(try ImageCodec.encodeJPEG(image, quality: 80), count: 300, seed: 6) {
            for channels in [1, 3] {
                do { _ = try ImageCodec.decode(bytes, channels: channels, maximumPixels: 1 << 20) } catch { errors += 1 }
            }
        }
        XCTAssertGreaterThan(errors, 200)
    }
}

import CZlib
import Foundation
import XCTest

/// Gzip-compressed data files are inflated under two bounds: an IDX file stops at the size its
/// own header declares, and any file stops at the memory budget. A small gzip of zeros would
/// otherwise inflate to gigabytes before any check saw it.
final class DecompressionBoundTests: XCTestCase {
    static let gigabyte = 1 << 30

    /// Writes `prefix` followed by `zeros` zero bytes as one gzip stream, compressing as it goes
    /// so the inflated size never exists in memory here either.
    static func gzipBomb(prefix: [UInt8], zeros: Int) throws -> [UInt8] {
        var stream = z_stream()
        // 15 + 16: a gzip wrapper instead of zlib's own.
        guard deflateInit2_(&stream, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw XCTSkip("zlib deflateInit2 failed")
        }
        defer { deflateEnd(&stream) }
        var out = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        func pump(_ input: [UInt8], finish: Bool) {
            var input = input
            input.withUnsafeMutableBufferPointer { inBuf in
                stream.next_in = inBuf.baseAddress
                stream.avail_in = UInt32(inBuf.count)
                repeat {
                    buffer.withUnsafeMutableBufferPointer { outBuf in
                        stream.next_out = outBuf.baseAddress
                        stream.avail_out = UInt32(outBuf.count)
                        deflate(&stream, finish ? Z_FINISH : Z_NO_FLUSH)
                        out += outBuf[0..<(outBuf.count - Int(stream.avail_out))]
                    }
                } while stream.avail_out == 0 || (finish && stream.avail_in > 0)
            }
        }
        pump(prefix, finish: false)
        let chunk = [UInt8](repeating: 0, count: 1 << 20)
        var left = zeros
        while left > 0 {
            let n = min(left, chunk.count)
            pump(Array(chunk[0..<n]), finish: false)
            left -= n
        }
        pump([], finish: true)
        return out
    }

    /// An IDX image file claiming MNIST's [60000, 28, 28] (47 MB) whose gzip stream goes on with
    /// a gigabyte of zeros: refused once inflation passes the header's size, naming the file.
    func testIDXGzipLongerThanItsHeaderIsRefusedEarly() throws {
        let folder = try TemporaryFolder("gzip-bomb")
        try DataFixtures.mnist(in: folder)
        try FileManager.default.removeItem(at: folder.path("data/mnist/train-images-idx3-ubyte"))
        let header = DataFixtures.idx(dims: [60000, 28, 28], payload: [])
        try folder.write("data/mnist/train-images-idx3-ubyte.gz", try Self.gzipBomb(prefix: header, zeros: Self.gigabyte))
        try folder.write("main.prn", text: "data mnist\n")
        let run = try MeasuredRun.run(["run", "main.prn"], in: folder.url, environment: ["PRN_DATA": folder.path("data").path])
        XCTAssertFalse(run.signalled, run.summary)
        XCTAssertEqual(run.status, 65, run.summary)
        XCTAssertTrue(run.stderr.contains("train-images-idx3-ubyte.gz"), run.summary)
        XCTAssertTrue(run.stderr.contains("47040016"), "the message gives the size the header declares: \(run.summary)")
        XCTAssertLessThan(run.peakAboveSpawnerBytes, 400 << 20, "inflation must stop near the header's 47 MB: \(run.summary)")
        XCTAssertLessThan(run.seconds, 30, run.summary)
    }

    /// A gzip file with no header to go by (a CSV table) stops at the memory budget.
    func testGzipBeyondTheMemoryBudgetIsRefused() throws {
        let folder = try TemporaryFolder("gzip-budget")
        try folder.write("table/train.csv", try Self.gzipBomb(prefix: Array("a,label\n".utf8), zeros: Self.gigabyte))
        try folder.write("table/test.csv", text: DataFixtures.goodCSV)
        try folder.write("main.prn", text: "data \"table\"\n")
        let run = try MeasuredRun.run(["run", "main.prn"], in: folder.url, environment: ["PRN_MEMORY_GB": "0.1"])
        XCTAssertFalse(run.signalled, run.summary)
        XCTAssertEqual(run.status, 70, run.summary)
        XCTAssertTrue(run.stderr.contains("train.csv"), run.summary)
        XCTAssertTrue(run.stderr.contains("PRN_MEMORY_GB"), "the message names the budget to raise: \(run.summary)")
        XCTAssertLessThan(run.peakAboveSpawnerBytes, 400 << 20, "inflation must stop near the 100 MB budget: \(run.summary)")
        XCTAssertLessThan(run.seconds, 30, run.summary)
    }
}

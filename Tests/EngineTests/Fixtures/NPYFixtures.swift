import CZlib
import Foundation
import XCTest
@testable import Engine

/// NumPy `.npy` files and `.npz` (zip) archives written by the tests, byte for byte as numpy lays them out.
enum NPYFixtures {
    /// A `.npy` file: magic, version, little-endian header length, the dict padded with spaces to
    /// a multiple of 64 bytes and ended by a newline, then the payload.
    static func npy(_ descr: String, _ shape: [Int], fortran: Bool = false, payload: [UInt8], version: UInt8 = 1) -> [UInt8] {
        let shapeText = "(" + shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? ",)" : ")")
        var dict = "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shapeText), }"
        let preamble = version == 1 ? 10 : 12
        while (preamble + dict.utf8.count + 1) % 64 != 0 { dict += " " }
        dict += "\n"
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
        let n = dict.utf8.count
        out += version == 1 ? [UInt8(n & 0xFF), UInt8(n >> 8)] : [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), 0, 0]
        return out + Array(dict.utf8) + payload
    }

    static func littleEndian<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        values.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
    }

    static func float32(_ values: [Float]) -> [UInt8] { littleEndian(values.map(\.bitPattern)) }
    static func float64(_ values: [Double]) -> [UInt8] { littleEndian(values.map(\.bitPattern)) }

    /// A zip archive of the entries, stored or deflated, as numpy.savez / savez_compressed write them.
    /// `declaredSize` replaces every entry's uncompressed size in the archive, to model a lying directory.
    static func zip(_ entries: [(name: String, bytes: [UInt8])], deflate: Bool, declaredSize: Int? = nil) throws -> [UInt8] {
        var out = [UInt8](), directory = [UInt8]()
        func u16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func u32(_ v: Int) -> [UInt8] { u16(v & 0xFFFF) + u16(v >> 16 & 0xFFFF) }
        for entry in entries {
            let crc = entry.bytes.withUnsafeBufferPointer { Int(crc32(0, $0.baseAddress, UInt32($0.count))) }
            let data = deflate ? try rawDeflate(entry.bytes) : entry.bytes
            let name = Array(entry.name.utf8)
            let method = deflate ? 8 : 0
            let common = u16(20) + u16(0) + u16(method) + u16(0) + u16(0x21) + u32(crc) + u32(data.count) + u32(declaredSize ?? entry.bytes.count) + u16(name.count) + u16(0)
            directory += u32(0x0201_4B50) + u16(20) + common + u16(0) + u16(0) + u16(0) + u32(0) + u32(out.count) + name
            out += u32(0x0403_4B50) + common + name + data
        }
        let offset = out.count
        out += directory
        out += u32(0x0605_4B50) + u16(0) + u16(0) + u16(entries.count) + u16(entries.count) + u32(directory.count) + u32(offset) + u16(0)
        return out
    }

    static func rawDeflate(_ bytes: [UInt8]) throws -> [UInt8] {
        var stream = z_stream()
        guard deflateInit2_(&stream, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DataError(.unreadable, "deflateInit2 failed")
        }
        defer { deflateEnd(&stream) }
        var input = bytes
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(bytes.count))) + 16)
        let status: Int32 = input.withUnsafeMutableBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                stream.next_in = src.baseAddress
                stream.avail_in = UInt32(src.count)
                stream.next_out = dst.baseAddress
                stream.avail_out = UInt32(dst.count)
                return CZlib.deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { throw DataError(.unreadable, "deflate failed: \(status)") }
        return Array(out.prefix(Int(stream.total_out)))
    }

    /// Asserts that `body` throws an NPYError whose message contains every fragment.
    static func expectError<T>(_ fragments: [String], file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> T) {
        do {
            _ = try body()
            XCTFail("expected an error mentioning \(fragments)", file: file, line: line)
        } catch let error as NPYError {
            for f in fragments {
                XCTAssertTrue(error.description.contains(f), "message lacks '\(f)': \(error.description)", file: file, line: line)
            }
        } catch {
            XCTFail("expected an NPYError, got \(type(of: error)): \(error)", file: file, line: line)
        }
    }
}

import CZlib
import Foundation

/// The entries of a zip file as `numpy.savez` and `numpy.savez_compressed` write them: stored or
/// deflated, with zip64 extensions. Only the central directory is trusted for sizes (numpy's
/// local headers carry placeholders), and every size is checked against the bytes present.
struct ZipArchive {
    struct Entry {
        let name: String
        let method: Int
        let crc: UInt32
        let compressedSize: Int
        let size: Int
        let localHeaderOffset: Int
    }

    let path: String
    let bytes: [UInt8]
    let entries: [Entry]

    init(_ url: URL) throws {
        path = url.path
        bytes = try FileBytes.read(url)
        entries = try Self.centralDirectory(bytes, path: path)
    }

    private static func u16(_ b: [UInt8], _ o: Int) -> Int { Int(b[o]) | Int(b[o + 1]) << 8 }
    private static func u32(_ b: [UInt8], _ o: Int) -> Int { u16(b, o) | u16(b, o + 2) << 16 }
    private static func u64(_ b: [UInt8], _ o: Int) -> Int {
        let high = u32(b, o + 4)
        // Sizes past 2^62 cannot be genuine; saturate so the bounds checks below refuse them.
        return high >= 1 << 30 ? Int.max : u32(b, o) | high << 32
    }

    private static func centralDirectory(_ b: [UInt8], path: String) throws -> [Entry] {
        func fail(_ why: String) -> NPYError { .badArchive(file: path, reason: why) }
        // The end-of-central-directory record is in the last 22 + 65535 bytes (its comment).
        guard b.count >= 22 else { throw fail("\(b.count) bytes is too short for a zip file") }
        var eocd = -1
        for o in stride(from: b.count - 22, through: max(0, b.count - 22 - 65_535), by: -1)
        where b[o] == 0x50 && b[o + 1] == 0x4B && b[o + 2] == 5 && b[o + 3] == 6 {
            eocd = o
            break
        }
        guard eocd >= 0 else {
            let zip = b.count >= 2 && b[0] == 0x50 && b[1] == 0x4B
            throw fail(zip ? "its end record is missing, so the file is truncated" : "it does not start with a zip signature")
        }
        var count = u16(b, eocd + 10)
        var directorySize = u32(b, eocd + 12)
        var directoryOffset = u32(b, eocd + 16)
        if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            // Zip64: a locator 20 bytes before the end record points at the zip64 end record.
            let locator = eocd - 20
            guard locator >= 0, u32(b, locator) == 0x0706_4B50 else { throw fail("the zip64 locator is missing") }
            let record = u64(b, locator + 8)
            guard record <= b.count - 56, u32(b, record) == 0x0606_4B50 else { throw fail("the zip64 end record is missing") }
            count = u64(b, record + 32)
            directorySize = u64(b, record + 40)
            directoryOffset = u64(b, record + 48)
        }
        guard directoryOffset <= b.count, directorySize <= b.count - directoryOffset else {
            throw fail("its directory lies outside the file; the file is truncated")
        }
        var entries = [Entry]()
        var o = directoryOffset
        for _ in 0..<min(count, directorySize / 46 + 1) {
            guard o <= b.count - 46, u32(b, o) == 0x0201_4B50 else { throw fail("directory entry \(entries.count) is damaged") }
            let nameLength = u16(b, o + 28), extraLength = u16(b, o + 30), commentLength = u16(b, o + 32)
            guard o + 46 + nameLength + extraLength + commentLength <= b.count else {
                throw fail("directory entry \(entries.count) runs past the end of the file")
            }
            let name = String(decoding: b[(o + 46)..<(o + 46 + nameLength)], as: UTF8.self)
            var compressed = u32(b, o + 20), size = u32(b, o + 24), offset = u32(b, o + 42)
            // Zip64 extra field (id 1): the 64-bit values of the fields set to 0xFFFFFFFF, in order.
            var e = o + 46 + nameLength
            let extraEnd = e + extraLength
            while e + 4 <= extraEnd {
                let id = u16(b, e), length = u16(b, e + 2)
                var field = e + 4
                if id == 1 {
                    let end = min(e + 4 + length, extraEnd)
                    if size == 0xFFFF_FFFF, field + 8 <= end { size = u64(b, field); field += 8 }
                    if compressed == 0xFFFF_FFFF, field + 8 <= end { compressed = u64(b, field); field += 8 }
                    if offset == 0xFFFF_FFFF, field + 8 <= end { offset = u64(b, field); field += 8 }
                }
                e += 4 + length
            }
            entries.append(Entry(name: name, method: u16(b, o + 10), crc: UInt32(u32(b, o + 16)),
                                 compressedSize: compressed, size: size, localHeaderOffset: offset))
            o += 46 + nameLength + extraLength + commentLength
        }
        guard entries.count == count else { throw fail("the directory lists \(count) entries but holds \(entries.count)") }
        return entries
    }

    /// The uncompressed bytes of `entry`, checked against its size and CRC-32. Inflation stops at
    /// the declared size, which is itself bounded by the memory budget.
    func contents(_ entry: Entry) throws -> [UInt8] {
        let label = "\(path):\(entry.name)"
        func fail(_ why: String) -> NPYError { .badArchive(file: label, reason: why) }
        let b = bytes, o = entry.localHeaderOffset
        guard o <= b.count - 30, Self.u32(b, o) == 0x0403_4B50 else { throw fail("its local header is missing") }
        let start = o + 30 + Self.u16(b, o + 26) + Self.u16(b, o + 28)
        guard start <= b.count, entry.compressedSize <= b.count - start else {
            throw fail("its data runs past the end of the file, so the archive is truncated")
        }
        let limit = FileBytes.inflationLimit
        guard entry.size <= limit.bytes else {
            throw NPYError.tooLarge(file: label, bytes: entry.size, limit: limit.reason)
        }
        // zlib counts in 32 bits; numpy writes larger arrays, but no dataset prn trains on is one.
        guard entry.size < Int(UInt32.max), entry.compressedSize < Int(UInt32.max) else {
            throw NPYError.tooLarge(file: label, bytes: entry.size, limit: "the 4 GB prn reads from one archive entry")
        }
        let data = b[start..<(start + entry.compressedSize)]
        let out: [UInt8]
        switch entry.method {
        case 0:
            guard entry.compressedSize == entry.size else { throw fail("a stored entry whose sizes differ") }
            out = Array(data)
        case 8:
            out = try Self.inflateRaw(data, size: entry.size, label: label)
        default:
            throw NPYError.unsupportedCompression(file: label, method: entry.method)
        }
        let crc = out.withUnsafeBufferPointer { UInt32(truncatingIfNeeded: crc32(0, $0.baseAddress, UInt32($0.count))) }
        guard crc == entry.crc else { throw fail("its CRC-32 does not match, so the data is damaged") }
        return out
    }

    /// Inflates in 1 MB steps, so the output grows only with data actually produced: a directory
    /// claiming gigabytes for a few bytes of deflate costs nothing, and a stream that runs past
    /// its declared size stops there.
    private static func inflateRaw(_ data: ArraySlice<UInt8>, size: Int, label: String) throws -> [UInt8] {
        func fail(_ why: String) -> NPYError { .badArchive(file: label, reason: why) }
        var stream = z_stream()
        // Negative window bits: a raw deflate stream, as zip stores it (no zlib or gzip wrapper).
        guard inflateInit2_(&stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw fail("zlib could not start")
        }
        defer { inflateEnd(&stream) }
        var out = [UInt8]()
        out.reserveCapacity(min(size, max(data.count * 4, 1 << 20)))
        let chunk = 1 << 20
        var scratch = [UInt8](repeating: 0, count: chunk)
        var input = Array(data)
        var status: Int32 = Z_OK
        try input.withUnsafeMutableBufferPointer { src in
            stream.next_in = src.baseAddress
            stream.avail_in = UInt32(src.count)
            while status == Z_OK {
                let produced: Int = scratch.withUnsafeMutableBufferPointer { dst in
                    stream.next_out = dst.baseAddress
                    stream.avail_out = UInt32(chunk)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return chunk - Int(stream.avail_out)
                }
                if status == Z_DATA_ERROR || status == Z_NEED_DICT || status == Z_MEM_ERROR {
                    throw fail("its deflate stream is damaged")
                }
                out.append(contentsOf: scratch[0..<produced])
                guard out.count <= size else { throw fail("it inflates past the \(size) bytes its directory declares") }
                // No progress with input left over, or input exhausted before the end: cut short.
                if status == Z_BUF_ERROR || (status == Z_OK && stream.avail_in == 0 && produced < chunk) { break }
            }
        }
        guard status == Z_STREAM_END else { throw fail("its deflate stream ends early, so the archive is truncated") }
        guard out.count == size else { throw fail("it inflates to \(out.count) bytes, not the \(size) its directory declares") }
        return out
    }
}

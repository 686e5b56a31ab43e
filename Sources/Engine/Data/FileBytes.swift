import CZlib
import Foundation

/// Reads a whole data file into memory, transparently inflating gzip (detected by its magic
/// bytes, not by the name, so a renamed file still works).
///
/// Sizes claimed by file headers are never trusted here: the buffer grows only with bytes that
/// were actually read, so a corrupt header cannot make us allocate gigabytes.
enum FileBytes {
    /// Refuse anything larger than this once inflated; no supported dataset comes near it.
    static let maximumBytes = 8 << 30

    static func read(_ url: URL) throws -> [UInt8] {
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataError(.missingFile, "\(path): file not found; check the path or the dataset folder")
        }
        if isDirectory.boolValue {
            throw DataError(.unreadable, "\(path): is a folder, expected a data file")
        }
        let raw: Data
        do { raw = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw DataError(.unreadable, "\(path): cannot be read (\(error.localizedDescription)); check its permissions")
        }
        if raw.count >= 2, raw[raw.startIndex] == 0x1F, raw[raw.startIndex + 1] == 0x8B {
            return try inflate(path, compressedSize: raw.count)
        }
        guard raw.count <= maximumBytes else {
            throw DataError(.headerTooLarge, "\(path): \(raw.count) bytes is larger than the \(maximumBytes)-byte limit for a data file")
        }
        return [UInt8](raw)
    }

    private static func inflate(_ path: String, compressedSize: Int) throws -> [UInt8] {
        guard let file = gzopen(path, "rb") else {
            throw DataError(.unreadable, "\(path): cannot open the gzip file; check its permissions")
        }
        defer { gzclose(file) }
        gzbuffer(file, 1 << 18)
        var out = [UInt8]()
        // Deflate rarely beats 10:1 on image data; start near that so a typical file needs no regrowth.
        out.reserveCapacity(min(compressedSize * 6, 256 << 20))
        let chunk = 1 << 20
        var scratch = [UInt8](repeating: 0, count: chunk)
        while true {
            let n = scratch.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32(chunk)) }
            if n < 0 { throw gzipError(file, path) }
            if n == 0 { break }
            out.append(contentsOf: scratch[0..<Int(n)])
            if out.count > maximumBytes {
                throw DataError(.headerTooLarge, "\(path): inflates to more than the \(maximumBytes)-byte limit for a data file")
            }
        }
        // A gzip stream cut short reads as a clean end of file; zlib only reports it here.
        var errnum: Int32 = 0
        _ = gzerror(file, &errnum)
        if errnum != Z_OK { throw gzipError(file, path) }
        return out
    }

    private static func gzipError(_ file: gzFile, _ path: String) -> DataError {
        var errnum: Int32 = 0
        let text = gzerror(file, &errnum).map { String(cString: $0) } ?? "unknown zlib error"
        return DataError(.truncated, "\(path): the gzip stream is damaged (\(text)); download the file again")
    }
}

extension FileBytes {
    /// A cheap content fingerprint for run manifests: the size plus a CRC-32 of the first and
    /// last 64 KiB. It catches a different download or a truncated copy without reading
    /// hundreds of megabytes on every run.
    static func fingerprint(_ url: URL) throws -> (size: Int, checksum: UInt32) {
        let data: Data
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw DataError(.unreadable, "\(url.path): cannot be read (\(error.localizedDescription))")
        }
        let window = 64 << 10
        var crc = crc32(0, nil, 0)
        data.withUnsafeBytes { raw in
            guard let base = raw.bindMemory(to: UInt8.self).baseAddress else { return }
            let head = min(window, raw.count)
            crc = crc32(crc, base, UInt32(head))
            let tailStart = max(head, raw.count - window)
            crc = crc32(crc, base + tailStart, UInt32(raw.count - tailStart))
        }
        return (data.count, UInt32(truncatingIfNeeded: crc))
    }
}

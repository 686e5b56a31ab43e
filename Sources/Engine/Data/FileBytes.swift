import CZlib
import Foundation

/// Reads a whole data file into memory, transparently inflating gzip (detected by its magic
/// bytes, not by the name, so a renamed file still works).
///
/// Sizes claimed by file headers are never trusted for allocation: the buffer grows only with
/// bytes that were actually read, so a corrupt header cannot make us allocate gigabytes. They
/// only bound inflation: a gzip stream longer than its header declares (a few megabytes of
/// zeros inflate to gigabytes) is refused as soon as it passes that size, and no stream may
/// inflate past the memory budget.
enum FileBytes {
    /// Refuse anything larger than this once inflated; no supported dataset comes near it.
    static let maximumBytes = 8 << 30

    /// The size a file's own header declares, once enough of it has been read to tell.
    struct DeclaredSize {
        let bytes: Int
        /// What declares it, for the refusal ("the IDX header [60000, 28, 28]").
        let source: String
    }

    /// The most one data file may inflate to: the fixed limit, or the memory budget when that is
    /// smaller (a file larger than the whole budget cannot be held, let alone converted).
    static var inflationLimit: (bytes: Int, reason: String) {
        let budget = EnvironmentSettings.memoryBudgetBytes()
        if budget < Double(maximumBytes) {
            return (Int(budget), String(format: "the %.2f GB memory budget (PRN_MEMORY_GB, else 3/4 of the physical memory)", budget / 1e9))
        }
        return (maximumBytes, "the \(maximumBytes)-byte limit for a data file")
    }

    /// `declaredSize` sees the bytes inflated so far and returns the file's total size once its
    /// header tells it; inflation stops as soon as the stream runs past that size.
    static func read(_ url: URL, declaredSize: ([UInt8]) -> DeclaredSize? = { _ in nil }) throws -> [UInt8] {
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
            return try inflate(path, compressedSize: raw.count, declaredSize: declaredSize)
        }
        let limit = inflationLimit
        guard raw.count <= limit.bytes else {
            throw DataError(.tooLarge, "\(path): \(raw.count) bytes is larger than \(limit.reason)")
        }
        return [UInt8](raw)
    }

    private static func inflate(_ path: String, compressedSize: Int, declaredSize: ([UInt8]) -> DeclaredSize?) throws -> [UInt8] {
        guard let file = gzopen(path, "rb") else {
            throw DataError(.unreadable, "\(path): cannot open the gzip file; check its permissions")
        }
        defer { gzclose(file) }
        gzbuffer(file, 1 << 18)
        let limit = inflationLimit
        var out = [UInt8]()
        // Deflate rarely beats 10:1 on image data; start near that so a typical file needs no regrowth.
        out.reserveCapacity(min(compressedSize * 6, 256 << 20, limit.bytes))
        let chunk = 1 << 20
        var scratch = [UInt8](repeating: 0, count: chunk)
        var declared: DeclaredSize?
        while true {
            let n = scratch.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32(chunk)) }
            if n < 0 { throw gzipError(file, path) }
            if n == 0 { break }
            out.append(contentsOf: scratch[0..<Int(n)])
            if declared == nil { declared = declaredSize(out) }
            if let declared, out.count > declared.bytes {
                throw DataError(.countMismatch, "\(path): the gzip stream inflates past the \(declared.bytes) bytes \(declared.source) declares; the file is corrupt or not what it claims, download it again")
            }
            if out.count > limit.bytes {
                throw DataError(.tooLarge, "\(path): inflates to more than \(limit.reason); raise PRN_MEMORY_GB if the file is genuine")
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

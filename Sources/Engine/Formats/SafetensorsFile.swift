import Foundation

/// Reads and writes the safetensors format byte-compatibly with the Python `safetensors` package.
///
/// Layout: an 8-byte little-endian header length N, N bytes of JSON (padded with spaces to a
/// multiple of 8), then the raw tensor data. The JSON maps each tensor name to
/// `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets relative to the data section) and
/// may hold a `"__metadata__"` string-to-string map. Tensors are stored sorted by name, packed
/// without gaps, as the Python writer does; the reader insists on the same, so every file prn
/// accepts is one Python accepts too.
public enum SafetensorsFile {
    /// The Python implementation refuses larger headers; so do we, before reading them.
    static let maximumHeaderBytes = 100_000_000
    static let metadataKey = "__metadata__"

    public static func write(tensors: [(String, Tensor)], metadata: [String: String] = [:], to url: URL) throws {
        var seen = Set<String>()
        for (name, _) in tensors {
            guard !name.isEmpty, name != metadataKey else {
                throw SafetensorsError(.badName, "\(url.path): tensor name '\(name)' is not allowed (empty or reserved); rename the tensor")
            }
            guard seen.insert(name).inserted else {
                throw SafetensorsError(.duplicateName, "\(url.path): tensor '\(name)' is given twice; each tensor needs a unique name")
            }
        }
        let sorted = tensors.sorted { $0.0 < $1.0 }
        let header = headerBytes(sorted, metadata: metadata)
        try AtomicFile.write(to: url) { sink in
            var length = UInt64(header.count).littleEndian
            try withUnsafeBytes(of: &length) { try sink.write($0) }
            try header.withUnsafeBytes { try sink.write($0) }
            for (_, tensor) in sorted { try writeFloats(tensor, to: sink) }
        }
    }

    public static func read(from url: URL) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else {
            throw SafetensorsError(.missingFile, "\(path): file not found; check the path")
        }
        let data: Data
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw SafetensorsError(.unreadable, "\(path): cannot be read (\(error.localizedDescription))")
        }
        return try data.withUnsafeBytes { try decode($0, path: path) }
    }

    /// Decodes a whole file held in memory; `path` only appears in error messages.
    static func decode(_ file: UnsafeRawBufferPointer, path: String) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        guard file.count >= 8, let base = file.baseAddress else {
            throw SafetensorsError(.tooSmall, "\(path): \(file.count) bytes is too small for a safetensors file (the 8-byte header length alone is missing); the file is truncated")
        }
        let declared = UInt64(littleEndian: base.loadUnaligned(as: UInt64.self))
        guard declared <= UInt64(maximumHeaderBytes) else {
            throw SafetensorsError(.headerLength, "\(path): header length \(declared) exceeds the \(maximumHeaderBytes)-byte limit; this is not a safetensors file or it is corrupt")
        }
        let headerLength = Int(declared)
        guard 8 + headerLength <= file.count else {
            throw SafetensorsError(.headerLength, "\(path): header length \(headerLength) runs past the end of the \(file.count)-byte file; the file is truncated")
        }
        let headerBytes = [UInt8](UnsafeRawBufferPointer(rebasing: file[8..<(8 + headerLength)]))
        guard headerBytes.first == UInt8(ascii: "{") else {
            throw SafetensorsError(.badJSON, "\(path): the header does not start with '{'; this is not a safetensors file")
        }
        let json: JSONValue
        do { json = try StrictJSONParser.parse(headerBytes) } catch let e as JSONParseError {
            let kind: SafetensorsError.Kind = e.message.hasPrefix("duplicate key") ? .duplicateName : .badJSON
            throw SafetensorsError(kind, "\(path): header JSON at byte \(8 + e.offset): \(e.message)")
        }
        guard case .object(let members) = json else {
            throw SafetensorsError(.badJSON, "\(path): the header is not a JSON object")
        }
        let dataStart = 8 + headerLength
        let dataLength = file.count - dataStart
        var metadata = [String: String]()
        var entries = [TensorEntry]()
        for (name, value) in members {
            if name == metadataKey {
                metadata = try parseMetadata(value, path: path)
            } else {
                entries.append(try TensorEntry(name: name, value: value, path: path, dataLength: dataLength))
            }
        }
        try checkLayout(entries, dataLength: dataLength, path: path)
        var tensors = [String: Tensor]()
        for entry in entries {
            let tensor = Tensor(shape: entry.shape, zeroed: false)
            entry.dtype.convert(base + dataStart + entry.begin, count: tensor.count, into: tensor.data)
            tensors[entry.name] = tensor
        }
        return (tensors, metadata)
    }

    /// Offsets must tile the data section exactly: no overlaps, no gaps, nothing left over.
    private static func checkLayout(_ entries: [TensorEntry], dataLength: Int, path: String) throws {
        var position = 0
        var previous: String?
        for entry in entries.sorted(by: { ($0.begin, $0.end) < ($1.begin, $1.end) }) {
            if entry.begin < position {
                throw SafetensorsError(.overlap, "\(path): tensor '\(entry.name)' (bytes \(entry.begin)..<\(entry.end)) overlaps tensor '\(previous ?? "?")' ending at \(position); the file is corrupt")
            }
            if entry.begin > position {
                throw SafetensorsError(.badOffsets, "\(path): tensor '\(entry.name)' starts at byte \(entry.begin) but the previous data ends at \(position); safetensors data must be packed without gaps")
            }
            position = entry.end
            previous = entry.name
        }
        guard position == dataLength else {
            throw SafetensorsError(.sizeMismatch, "\(path): the tensors cover \(position) bytes but the data section holds \(dataLength); the file is truncated or has trailing bytes")
        }
    }

    private static func parseMetadata(_ value: JSONValue, path: String) throws -> [String: String] {
        guard case .object(let pairs) = value else {
            throw SafetensorsError(.badEntry, "\(path): \(metadataKey) must be an object mapping strings to strings")
        }
        var out = [String: String]()
        for (key, v) in pairs {
            guard case .string(let s) = v else {
                throw SafetensorsError(.badEntry, "\(path): \(metadataKey) entry '\(key)' is not a string; metadata values must be strings")
            }
            out[key] = s
        }
        return out
    }

    /// Compact JSON as serde_json writes it, metadata first, padded with spaces to 8 bytes.
    static func headerBytes(_ sorted: [(String, Tensor)], metadata: [String: String]) -> [UInt8] {
        var parts = [String]()
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(jsonQuoted($0)):\(jsonQuoted(metadata[$0] ?? ""))" }
            parts.append("\(jsonQuoted(metadataKey)):{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for (name, tensor) in sorted {
            let end = offset + 4 * tensor.count
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            parts.append("\(jsonQuoted(name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var bytes = Array("{\(parts.joined(separator: ","))}".utf8)
        while bytes.count % 8 != 0 { bytes.append(UInt8(ascii: " ")) }
        return bytes
    }

    private static func writeFloats(_ tensor: Tensor, to sink: AtomicFile.Sink) throws {
        #if _endian(little)
        try sink.write(UnsafeRawBufferPointer(start: tensor.data, count: 4 * tensor.count))
        #else
        var chunk = [UInt32](repeating: 0, count: 4096)
        var i = 0
        while i < tensor.count {
            let n = min(chunk.count, tensor.count - i)
            for j in 0..<n { chunk[j] = tensor.data[i + j].bitPattern.littleEndian }
            try chunk.withUnsafeBytes { try sink.write(UnsafeRawBufferPointer(rebasing: $0[0..<(4 * n)])) }
            i += n
        }
        #endif
    }
}

/// One tensor's header entry, validated against the data section.
private struct TensorEntry {
    let name: String
    let dtype: SafetensorsDType
    let shape: [Int]
    let begin: Int
    let end: Int

    init(name: String, value: JSONValue, path: String, dataLength: Int) throws {
        func bad(_ what: String) -> SafetensorsError {
            SafetensorsError(.badEntry, "\(path): tensor '\(name)': \(what)")
        }
        guard case .object(let fields) = value else { throw bad("the entry is not a JSON object") }
        let field = Dictionary(fields.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        guard case .string(let dtypeName)? = field["dtype"] else { throw bad("missing \"dtype\" string") }
        guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
            if SafetensorsDType.known.contains(dtypeName) {
                throw SafetensorsError(.unsupportedDType, "\(path): tensor '\(name)' has dtype \(dtypeName); prn reads F32, F16, BF16 and F64 only. Convert the tensor to float32 before saving")
            }
            throw bad("unknown dtype \"\(dtypeName)\"")
        }
        guard case .array(let dims)? = field["shape"] else { throw bad("missing \"shape\" array") }
        var shape = [Int]()
        var elements = 1
        for d in dims {
            guard let n = d.nonNegativeInt else { throw bad("shape \(dims) holds something other than non-negative integers") }
            shape.append(n)
            let (product, overflow) = elements.multipliedReportingOverflow(by: n)
            guard !overflow else { throw bad("shape \(shape) has more elements than can be addressed") }
            elements = product
        }
        guard case .array(let offsets)? = field["data_offsets"], offsets.count == 2,
              let begin = offsets[0].nonNegativeInt, let end = offsets[1].nonNegativeInt else {
            throw bad("\"data_offsets\" must be [begin, end] with non-negative integers")
        }
        guard begin <= end else {
            throw SafetensorsError(.badOffsets, "\(path): tensor '\(name)' has data_offsets [\(begin), \(end)] with begin after end; the file is corrupt")
        }
        guard end <= dataLength else {
            throw SafetensorsError(.badOffsets, "\(path): tensor '\(name)' ends at byte \(end) of the data section but it holds only \(dataLength) bytes; the file is truncated")
        }
        let (bytes, overflow) = elements.multipliedReportingOverflow(by: dtype.size)
        guard !overflow, bytes == end - begin else {
            throw SafetensorsError(.sizeMismatch, "\(path): tensor '\(name)' has shape \(shape) of \(dtypeName) (\(elements) elements, \(overflow ? "too many" : String(bytes)) bytes) but data_offsets span \(end - begin) bytes; the file is corrupt")
        }
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.begin = begin
        self.end = end
    }
}

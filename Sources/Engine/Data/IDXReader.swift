import Foundation

/// Reads the IDX format of MNIST and Fashion-MNIST, raw or gzip-compressed.
///
/// Layout: two zero bytes, a type code (0x08 = unsigned byte), the number of dimensions, one
/// big-endian UInt32 per dimension, then the values row-major. Images are [N, H, W] and become
/// [N, 1, H, W] scaled to [0, 1]; labels are [N].
public enum IDXReader {
    /// A parsed IDX file: its dimensions and the byte payload that follows the header.
    struct ParsedFile {
        let dimensions: [Int]
        let payload: ArraySlice<UInt8>
    }

    public static func loadImages(_ url: URL) throws -> Tensor {
        let idx = try parse(url, expectedRanks: [3, 4], role: "images")
        // Rank 4 ([N, H, W, C]) appears in some IDX exports; everything prn reads is [N, H, W].
        guard idx.dimensions.count == 3 else {
            throw DataError(.badShape, "\(url.path): image files must be [N, H, W] (rank 3), this one is \(idx.dimensions)")
        }
        let (n, h, w) = (idx.dimensions[0], idx.dimensions[1], idx.dimensions[2])
        let images = Tensor(shape: [n, 1, h, w], zeroed: false)
        idx.payload.withUnsafeBufferPointer { src in
            let out = images.data
            let scale: Float = 1 / 255
            for i in 0..<src.count { out[i] = Float(src[i]) * scale }
        }
        return images
    }

    public static func loadLabels(_ url: URL) throws -> [Int32] {
        let idx = try parse(url, expectedRanks: [1], role: "labels")
        return idx.payload.map { Int32($0) }
    }

    /// Loads a matching pair of image and label files into a dataset.
    public static func load(images: URL, labels: URL, classes: Int, name: String) throws -> Dataset {
        let x = try loadImages(images)
        let y = try loadLabels(labels)
        guard x.shape[0] == y.count else {
            throw DataError(.countMismatch, "\(images.path) holds \(x.shape[0]) images but \(labels.path) holds \(y.count) labels; use the image and label files of the same split")
        }
        if let bad = y.firstIndex(where: { Int($0) >= classes }) {
            throw DataError(.labelOutOfRange, "\(labels.path): label \(y[bad]) of item \(bad) is outside 0..<\(classes); is this the right label file?")
        }
        return try Dataset(name: name, samples: x, labels: y, classes: classes)
    }

    /// The whole file's size as its header declares it, once the header has been inflated; nil
    /// while it is incomplete or not an IDX header (parse then reports what is wrong).
    static func declaredSize(_ bytes: [UInt8]) -> FileBytes.DeclaredSize? {
        guard bytes.count >= 4, bytes[0] == 0, bytes[1] == 0 else { return nil }
        let rank = Int(bytes[3])
        let headerSize = 4 + 4 * rank
        guard bytes.count >= headerSize else { return nil }
        let dims = (0..<rank).map { d in
            let o = 4 + 4 * d
            return Int(bytes[o]) << 24 | Int(bytes[o + 1]) << 16 | Int(bytes[o + 2]) << 8 | Int(bytes[o + 3])
        }
        var total = headerSize
        var values = 1
        for dim in dims {
            let (product, overflow) = values.multipliedReportingOverflow(by: dim)
            values = overflow ? Int.max : product
        }
        let (sum, overflow) = total.addingReportingOverflow(values)
        total = overflow ? Int.max : sum
        return FileBytes.DeclaredSize(bytes: total, source: "the IDX header \(dims) (\(headerSize) header bytes + \(values) values)")
    }

    static func parse(_ url: URL, expectedRanks: Set<Int>, role: String) throws -> ParsedFile {
        let bytes = try FileBytes.read(url, declaredSize: declaredSize)
        let path = url.path
        guard bytes.count >= 4 else {
            throw DataError(.truncated, "\(path): \(bytes.count) bytes is too short for an IDX header; the file is truncated")
        }
        guard bytes[0] == 0, bytes[1] == 0 else {
            let magic = bytes[0..<4].map { String(format: "%02X", $0) }.joined()
            let expected = String(format: "%02X", expectedRanks.min() ?? 1)
            throw DataError(.badMagic, "\(path): bad magic number 0x\(magic), not an IDX file (expected 0x000008\(expected) for \(role)); check that this is an MNIST-style IDX file")
        }
        guard bytes[2] == 0x08 else {
            throw DataError(.badMagic, "\(path): IDX value type 0x" + String(format: "%02X", bytes[2]) + " is not supported; prn reads unsigned-byte (0x08) IDX files")
        }
        let rank = Int(bytes[3])
        guard expectedRanks.contains(rank) else {
            throw DataError(.badShape, "\(path): IDX file of rank \(rank) where \(role) of rank \(expectedRanks.sorted().map(String.init).joined(separator: " or ")) were expected; are the image and label files swapped?")
        }
        let headerSize = 4 + 4 * rank
        guard bytes.count >= headerSize else {
            throw DataError(.truncated, "\(path): the header needs \(headerSize) bytes but the file has \(bytes.count); the file is truncated")
        }
        var dims = [Int]()
        var total = 1
        for d in 0..<rank {
            let o = 4 + 4 * d
            let dim = Int(bytes[o]) << 24 | Int(bytes[o + 1]) << 16 | Int(bytes[o + 2]) << 8 | Int(bytes[o + 3])
            dims.append(dim)
            // A corrupt header can claim up to (2^32)^rank values: the product saturates instead
            // of trapping, and the size check below reports the file as truncated.
            let (product, overflow) = total.multipliedReportingOverflow(by: dim)
            total = overflow ? Int.max : product
        }
        // A zero dimension makes every other one meaningless (and their product unchecked).
        if dims[0] == 0 {
            throw DataError(.emptyDataset, "\(path): the header says the file holds 0 items; the file is empty or corrupt, download it again")
        }
        if let zero = dims.firstIndex(of: 0) {
            throw DataError(.badShape, "\(path): the header's dimension \(zero) is 0 (\(dims)); the file is corrupt, download it again")
        }
        let available = bytes.count - headerSize
        guard total <= available else {
            throw DataError(.truncated, "\(path): the header claims \(dims) = \(total) values but only \(available) bytes follow; the file is truncated or the header is corrupt, download it again")
        }
        guard total == available else {
            throw DataError(.countMismatch, "\(path): \(available - total) unexpected bytes after the \(total) values the header \(dims) describes; the file is corrupt")
        }
        return ParsedFile(dimensions: dims, payload: bytes[headerSize...])
    }
}

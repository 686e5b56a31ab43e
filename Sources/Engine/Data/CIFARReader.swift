import Foundation

/// Reads the binary CIFAR-10 and CIFAR-100 formats.
///
/// CIFAR-10 records are 1 label byte + 3072 pixel bytes (32x32 red plane, then green, then
/// blue, i.e. already CHW). CIFAR-100 records carry a coarse and a fine label byte before the
/// pixels; prn trains on the 100 fine labels.
public enum CIFARReader {
    public enum Variant: Sendable {
        case cifar10, cifar100

        var labelBytes: Int { self == .cifar10 ? 1 : 2 }
        var recordSize: Int { labelBytes + CIFARReader.pixelsPerImage }
        public var classes: Int { self == .cifar10 ? 10 : 100 }
        /// Files making up each split, inside the dataset folder.
        public var trainFiles: [String] {
            self == .cifar10 ? (1...5).map { "data_batch_\($0).bin" } : ["train.bin"]
        }
        public var testFiles: [String] { self == .cifar10 ? ["test_batch.bin"] : ["test.bin"] }
        var name: String { self == .cifar10 ? "cifar10" : "cifar100" }
    }

    static let side = 32
    static let pixelsPerImage = 3 * 32 * 32

    /// Loads and concatenates the given batch files into one dataset [N, 3, 32, 32].
    public static func load(_ urls: [URL], variant: Variant, name: String) throws -> Dataset {
        precondition(!urls.isEmpty, "CIFARReader.load needs at least one file")
        var files = [[UInt8]]()
        var total = 0
        for url in urls {
            let bytes = try FileBytes.read(url)
            guard !bytes.isEmpty else {
                throw DataError(.emptyDataset, "\(url.path): the file is empty; download the dataset again")
            }
            guard bytes.count % variant.recordSize == 0 else {
                throw DataError(.truncated, "\(url.path): \(bytes.count) bytes is not a whole number of \(variant.recordSize)-byte \(variant.name) records (\(bytes.count % variant.recordSize) left over); the file is truncated or is not \(variant.name) binary data")
            }
            total += bytes.count / variant.recordSize
            files.append(bytes)
        }
        let images = Tensor(shape: [total, 3, side, side], zeroed: false)
        var labels = [Int32]()
        labels.reserveCapacity(total)
        var row = 0
        let scale: Float = 1 / 255
        for (url, bytes) in zip(urls, files) {
            let records = bytes.count / variant.recordSize
            try bytes.withUnsafeBufferPointer { src in
                guard let base = src.baseAddress else { return }
                for r in 0..<records {
                    let record = base + r * variant.recordSize
                    // The last label byte is the one trained on: CIFAR-10's only label or CIFAR-100's fine label.
                    let label = Int(record[variant.labelBytes - 1])
                    guard label < variant.classes else {
                        throw DataError(.labelOutOfRange, "\(url.path): record \(r) has label \(label), outside 0..<\(variant.classes); is this \(variant.name) data?")
                    }
                    if variant == .cifar100, record[0] >= 20 {
                        throw DataError(.labelOutOfRange, "\(url.path): record \(r) has coarse label \(record[0]), outside 0..<20; is this cifar100 data?")
                    }
                    labels.append(Int32(label))
                    let pixels = record + variant.labelBytes
                    let out = images.data + row * pixelsPerImage
                    for i in 0..<pixelsPerImage { out[i] = Float(pixels[i]) * scale }
                    row += 1
                }
            }
        }
        return try Dataset(name: name, samples: images, labels: labels, classes: variant.classes)
    }
}

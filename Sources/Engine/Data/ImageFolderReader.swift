import CZlib
import Foundation

/// Reads a folder of PNG and JPEG images with one subfolder per class: `train/CLASS/*`,
/// `test/CLASS/*` and optionally `val/CLASS/*`, or `CLASS/*` split by `split=`. Classes are the
/// training subfolders in sorted order (label 0 is the first name). Only `.png`, `.jpg` and
/// `.jpeg` files count; the format is still told by the content, so a misnamed file decodes.
///
/// Images are decoded one at a time into a tensor allocated once, after the whole dataset's size
/// has been checked against the memory budget; nothing is read beyond the first image's header
/// before that check.
public enum ImageFolderReader {
    public struct Options: Sendable, Equatable {
        /// Resize the shorter side to this and crop the centre square; nil keeps the size of the
        /// first training image and requires every image to have it.
        public var size: Int?
        /// 1 (grayscale) or 3 (colour), converting images as needed; nil keeps the mode of the
        /// first training image and refuses images of the other mode.
        public var channels: Int?
        /// For a folder without train/ and test/: the fraction of images held out as the test split.
        public var split: Double?

        public init(size: Int? = nil, channels: Int? = nil, split: Double? = nil) {
            self.size = size
            self.channels = channels
            self.split = split
        }

        public var isDefault: Bool { self == Options() }
    }

    /// 8192 x 8192: well past any training image, and a bound on each decode buffer.
    static let maximumPixels = 1 << 26
    static let extensions: Set<String> = ["png", "jpg", "jpeg"]

    struct Item {
        let url: URL
        let label: Int32
    }

    struct Listing {
        let classes: [String]
        let train: [Item]
        let test: [Item]
        let val: [Item]?
    }

    struct Splits {
        let train: Dataset
        let test: Dataset
        let val: Dataset?
        let classes: [String]
        /// Number of images, their total size and a checksum of their names and sizes, for run manifests.
        let fingerprint: String
    }

    // MARK: Listing

    private static func subfolders(_ url: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { url.appendingPathComponent($0) }.filter(isDirectory)
    }

    private static func images(_ url: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.filter { !$0.hasPrefix(".") && extensions.contains(($0 as NSString).pathExtension.lowercased()) }
            .sorted().map { url.appendingPathComponent($0) }.filter { !isDirectory($0) }
    }

    private static func isDirectory(_ url: URL) -> Bool {
        var dir: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &dir) && dir.boolValue
    }

    /// A folder with train/, or with a subfolder holding images, is taken for an image dataset.
    static func looksLikeImages(_ folder: URL) -> Bool {
        if isDirectory(folder.appendingPathComponent("train")) { return true }
        return subfolders(folder).contains { !images($0).isEmpty }
    }

    static func list(_ folder: URL, options: Options, seed: UInt64) throws -> Listing {
        let trainFolder = folder.appendingPathComponent("train")
        guard isDirectory(trainFolder) else { return try listUnsplit(folder, options: options, seed: seed) }
        if options.split != nil {
            throw ImageDataError.badOption(folder: folder.path, reason: "split= is for a folder of class subfolders; this one already has train/ and test/, leave split= out")
        }
        let classFolders = subfolders(trainFolder)
        guard !classFolders.isEmpty else {
            throw ImageDataError.badLayout(folder: trainFolder.path, reason: "holds no class subfolders")
        }
        let classes = classFolders.map(\.lastPathComponent)
        var train = [Item]()
        for (label, classFolder) in classFolders.enumerated() {
            let files = images(classFolder)
            guard !files.isEmpty else {
                throw ImageDataError.badLayout(folder: classFolder.path, reason: "holds no .png, .jpg or .jpeg images")
            }
            train += files.map { Item(url: $0, label: Int32(label)) }
        }
        func split(_ name: String) throws -> [Item]? {
            let splitFolder = folder.appendingPathComponent(name)
            guard isDirectory(splitFolder) else { return nil }
            var items = [Item]()
            for classFolder in subfolders(splitFolder) {
                guard let label = classes.firstIndex(of: classFolder.lastPathComponent) else {
                    throw ImageDataError.unknownClass(folder: classFolder.path, trainClasses: classes)
                }
                items += images(classFolder).map { Item(url: $0, label: Int32(label)) }
            }
            guard !items.isEmpty else {
                throw ImageDataError.badLayout(folder: splitFolder.path, reason: "holds no images in class subfolders")
            }
            return items
        }
        guard let test = try split("test") else {
            throw ImageDataError.badLayout(folder: folder.path, reason: "has train/ but no test/")
        }
        return Listing(classes: classes, train: train, test: test, val: try split("val"))
    }

    private static func listUnsplit(_ folder: URL, options: Options, seed: UInt64) throws -> Listing {
        let classFolders = subfolders(folder).filter { !images($0).isEmpty }
        guard !classFolders.isEmpty else {
            throw ImageDataError.badLayout(folder: folder.path, reason: "holds no class subfolders with images")
        }
        guard let fraction = options.split else {
            throw ImageDataError.badOption(folder: folder.path, reason: "holds class folders but no train/ and test/; give split=0.2 (for example) to hold out that fraction of the images as the test split")
        }
        var all = [Item]()
        for (label, classFolder) in classFolders.enumerated() {
            all += images(classFolder).map { Item(url: $0, label: Int32(label)) }
        }
        let k = Int((Double(all.count) * fraction).rounded())
        guard k >= 1, k < all.count else {
            throw ImageDataError.badOption(folder: folder.path, reason: "split=\(fraction) of \(all.count) images leaves \(k) for the test split; it must leave at least one image in each split")
        }
        var rng = RandomStream(seed: seed, stream: "data.image-split")
        let order = rng.permutation(all.count)
        return Listing(classes: classFolders.map(\.lastPathComponent),
                       train: order[k...].sorted().map { all[$0] }, test: order[..<k].sorted().map { all[$0] }, val: nil)
    }

    // MARK: Decoding

    private static func bytes(_ url: URL) throws -> [UInt8] {
        do { return try FileBytes.read(url) } catch let error as DataError {
            throw ImageDataError.undecodable(file: url.path, reason: error.message.replacingOccurrences(of: url.path + ": ", with: ""))
        }
    }

    private static func decode(_ url: URL, channels: Int) throws -> (ImageCodec.Image, ImageCodec.Header) {
        do { return try ImageCodec.decode(try bytes(url), channels: channels, maximumPixels: maximumPixels) } catch let failure as ImageCodec.Failure {
            if failure.code == -1, let header = try? ImageCodec.probe(try bytes(url)) {
                throw ImageDataError.imageTooLarge(file: url.path, width: header.width, height: header.height)
            }
            throw ImageDataError.undecodable(file: url.path, reason: failure.message)
        }
    }

    static func load(_ folder: URL, label: String, options: Options, seed: UInt64,
                     budget: (bytes: Int, reason: String) = FileBytes.inflationLimit) throws -> Splits {
        if let c = options.channels, c != 1, c != 3 {
            throw ImageDataError.badOption(folder: folder.path, reason: "channels=\(c): images are read as 1 (grayscale) or 3 (colour) channels")
        }
        let listing = try list(folder, options: options, seed: seed)
        let reference = listing.train[0].url
        let header: ImageCodec.Header
        do { header = try ImageCodec.probe(try bytes(reference)) } catch let failure as ImageCodec.Failure {
            throw ImageDataError.undecodable(file: reference.path, reason: failure.message)
        }
        guard header.width * header.height <= maximumPixels else {
            throw ImageDataError.imageTooLarge(file: reference.path, width: header.width, height: header.height)
        }
        let channels = options.channels ?? header.channels
        let (height, width) = options.size.map { ($0, $0) } ?? (header.height, header.width)
        let shape = [channels, height, width]
        let total = listing.train.count + listing.test.count + (listing.val?.count ?? 0)
        let bytesNeeded = Double(total) * Double(channels * height * width) * 4
        guard bytesNeeded <= Double(budget.bytes) else {
            throw ImageDataError.tooLarge(folder: folder.path, images: total, shape: shape, bytes: bytesNeeded, limit: budget.reason)
        }

        func read(_ items: [Item], _ split: String) throws -> Dataset {
            let tensor = Tensor(shape: [items.count] + shape, zeroed: false)
            let size = channels * height * width
            var resampler: (width: Int, height: Int, ImageResampler)?
            for (row, item) in items.enumerated() {
                let (image, found) = try decode(item.url, channels: channels)
                if options.channels == nil, found.channels != header.channels {
                    throw ImageDataError.mixedMode(file: item.url.path, channels: found.channels, reference: reference.path, referenceChannels: header.channels)
                }
                let out = tensor.data + row * size
                if let side = options.size {
                    if resampler?.width != image.width || resampler?.height != image.height {
                        resampler = (image.width, image.height, ImageResampler(width: image.width, height: image.height, side: side))
                    }
                    resampler!.2.render(image, into: out)
                } else {
                    guard image.width == width, image.height == height else {
                        throw ImageDataError.wrongSize(file: item.url.path, width: image.width, height: image.height,
                                                       expectedWidth: width, expectedHeight: height, reference: reference.path)
                    }
                    ImageResampler.copy(image, into: out)
                }
            }
            return try Dataset(name: "\(label)/\(split)", samples: tensor, labels: items.map(\.label), classes: listing.classes.count)
        }
        let train = try read(listing.train, "train")
        let test = try read(listing.test, "test")
        let val = try listing.val.map { try read($0, "val") }
        return Splits(train: train, test: test, val: val, classes: listing.classes,
                      fingerprint: fingerprint(listing, folder: folder))
    }

    /// Every image's path below the folder and its size, folded into one CRC: renaming, adding,
    /// removing or replacing an image with another of a different size changes it.
    private static func fingerprint(_ listing: Listing, folder: URL) -> String {
        var crc: UInt32 = 0
        var bytes = 0
        let items = listing.train + listing.test + (listing.val ?? [])
        for item in items {
            let size = (try? FileManager.default.attributesOfItem(atPath: item.url.path)[.size] as? Int) ?? -1
            bytes += max(size, 0)
            let relative = String(item.url.path.dropFirst(folder.path.count))
            let line = Array("\(relative):\(size)\n".utf8)
            crc = line.withUnsafeBufferPointer { UInt32(truncatingIfNeeded: crc32(UInt(crc), $0.baseAddress, UInt32($0.count))) }
        }
        return "images:\(items.count):\(bytes):" + String(format: "%08x", crc)
    }
}

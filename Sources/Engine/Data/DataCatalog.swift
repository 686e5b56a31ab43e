import Foundation

/// How to carve a validation split out of the training data.
public enum ValidationSplit: Sendable, Equatable {
    /// A fraction of the training samples, strictly between 0 and 1.
    case fraction(Double)
    /// An exact number of training samples.
    case count(Int)
}

/// How pixel values are normalised after scaling to [0, 1].
public enum NormalizationMode: Sendable, Equatable {
    /// Per-channel mean/std measured on the training split (after the validation split is taken
    /// out, so validation stays unseen) and applied to every split.
    case perChannel
    /// Fixed statistics, e.g. `ChannelStatistics.mnist` to match published setups exactly.
    case fixed(ChannelStatistics)
    case none
}

public struct DataOptions: Sendable, Equatable {
    /// Keep only the first N samples of the training and of the test split (before `validation`).
    public var subset: Int?
    public var validation: ValidationSplit?
    /// Carve the validation split class by class, so each class keeps its share of it.
    public var stratify: Bool
    /// Seeds the validation split (and the synthetic generator).
    public var seed: UInt64
    public var normalization: NormalizationMode
    public var synthetic: SyntheticData.Options
    public var csv: CSVReader.Options
    /// Size, channels and split of image folders; refused for every other format.
    public var images: ImageFolderReader.Options

    public init(subset: Int? = nil, validation: ValidationSplit? = nil, stratify: Bool = false, seed: UInt64 = 0,
                normalization: NormalizationMode = .perChannel,
                synthetic: SyntheticData.Options = .init(), csv: CSVReader.Options = .init(),
                images: ImageFolderReader.Options = .init()) {
        self.subset = subset
        self.validation = validation
        self.stratify = stratify
        self.seed = seed
        self.normalization = normalization
        self.synthetic = synthetic
        self.csv = csv
        self.images = images
    }
}

/// The splits of one dataset, ready for training.
public struct DataBundle: Sendable {
    public let name: String
    public let train: Dataset
    public let test: Dataset
    public let val: Dataset?
    /// Where the files came from ("generated" for synthetic data).
    public let source: String
    /// Stable description of the data for run manifests: name, file sizes, checksums and options.
    public let identity: String
    public var statistics: ChannelStatistics? { train.normalization }
    public var classes: Int { train.classes }
}

/// Resolves dataset names and folders, loads them, and prepares the splits.
public struct DataCatalog: Sendable {
    public let locator: DataLocator
    public let workingDirectory: URL

    public init(environment: [String: String] = ProcessInfo.processInfo.environment,
                workingDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) {
        self.locator = DataLocator(environment: environment, workingDirectory: workingDirectory)
        self.workingDirectory = workingDirectory
    }

    public static let knownNames = ["mnist", "fashion-mnist", "cifar10", "cifar100", "synthetic"]

    /// Loads with the process environment and working directory.
    public static func load(_ name: String, _ options: DataOptions = DataOptions()) throws -> DataBundle {
        try DataCatalog().load(name, options)
    }

    /// `name` is a known dataset name or a folder path (anything containing '/' or starting with '.').
    public func load(_ name: String, _ options: DataOptions = DataOptions()) throws -> DataBundle {
        if let n = options.subset, n < 1 {
            throw DataError(.badOption, "subset=\(n): must be at least 1")
        }
        var (train, test, val, label, source, files, fingerprint) = try read(name, options)
        if let n = options.subset {
            train = try train.prefix(n)
            test = try test.prefix(n)
            val = try val?.prefix(n)
        }
        if let split = options.validation {
            if let val {
                throw DataError(.badOption, "val=: \(source) already holds a validation split (\(val.count) samples in \(val.name)); leave val= out or remove that split")
            }
            (train, val) = try Self.splitValidation(train, split, seed: options.seed, stratify: options.stratify)
        }
        let stats: ChannelStatistics?
        switch options.normalization {
        case .perChannel: stats = ChannelStatistics.measure(train)
        case .fixed(let s): stats = s
        case .none: stats = nil
        }
        if let stats {
            try train.normalize(with: stats)
            try test.normalize(with: stats)
            if var v = val { try v.normalize(with: stats); val = v }
        }
        let identity = Self.identity(name: label, files: files, options: options, fingerprint: fingerprint)
        return DataBundle(name: label, train: train, test: test, val: val,
                          source: source, identity: identity)
    }

    private func read(_ name: String, _ options: DataOptions) throws
        -> (train: Dataset, test: Dataset, val: Dataset?, label: String, source: String, files: [URL], fingerprint: String?) {
        if name == "synthetic" {
            guard options.images.isDefault else { throw Self.imageOptionsRefused(name) }
            let (train, test) = try SyntheticData.make(options.synthetic, seed: options.seed)
            return (train, test, nil, name, "generated", [], nil)
        }
        let isPath = name.contains("/") || name.hasPrefix(".") || name.lowercased().hasSuffix(".npz")
        let found = isPath ? try locator.locate(folder: name, workingDirectory: workingDirectory)
                           : try locator.locate(name: name)
        let label = isPath ? (found.format == .npz ? found.folder.deletingPathExtension() : found.folder).lastPathComponent : name
        let train: Dataset, test: Dataset
        var val: Dataset?
        var fingerprint: String?
        if found.format != .images, !options.images.isDefault {
            throw Self.imageOptionsRefused(found.folder.path)
        }
        switch found.format {
        case .images:
            let splits = try ImageFolderReader.load(found.folder, label: label, options: options.images, seed: options.seed)
            (train, test, val, fingerprint) = (splits.train, splits.test, splits.val, splits.fingerprint)
        case .npy, .npz:
            let splits = found.format == .npy ? try NPYDataset.load(folder: found.folder, label: label)
                                              : try NPYDataset.load(archive: found.folder, label: label)
            (train, test, val) = (splits.train, splits.test, splits.val)
        case .idx:
            // Known IDX datasets have 10 classes; an unknown folder gets max label + 1 over both splits.
            var classes = 10
            if isPath {
                let labelsTrain = try IDXReader.loadLabels(found.trainFiles[1])
                let labelsTest = try IDXReader.loadLabels(found.testFiles[1])
                classes = Int(max(labelsTrain.max() ?? 0, labelsTest.max() ?? 0)) + 1
            }
            train = try IDXReader.load(images: found.trainFiles[0], labels: found.trainFiles[1], classes: classes, name: "\(label)/train")
            test = try IDXReader.load(images: found.testFiles[0], labels: found.testFiles[1], classes: classes, name: "\(label)/test")
        case .cifar10, .cifar100:
            let variant: CIFARReader.Variant = found.format == .cifar10 ? .cifar10 : .cifar100
            train = try CIFARReader.load(found.trainFiles, variant: variant, name: "\(label)/train")
            test = try CIFARReader.load(found.testFiles, variant: variant, name: "\(label)/test")
        case .csv:
            var trainRead = try CSVReader.load(found.trainFiles[0], options: options.csv, name: "\(label)/train")
            var testRead = try CSVReader.load(found.testFiles[0], options: options.csv, name: "\(label)/test")
            guard trainRead.sampleShape == testRead.sampleShape else {
                throw DataError(.badShape, "\(found.folder.path): train.csv has \(trainRead.sampleSize) features but test.csv has \(testRead.sampleSize)")
            }
            // Each file alone infers max label + 1; both splits must agree on the class count.
            let classes = options.csv.classes ?? max(trainRead.classes, testRead.classes)
            if trainRead.classes != classes || testRead.classes != classes {
                var csv = options.csv
                csv.classes = classes
                trainRead = try CSVReader.load(found.trainFiles[0], options: csv, name: "\(label)/train")
                testRead = try CSVReader.load(found.testFiles[0], options: csv, name: "\(label)/test")
            }
            train = trainRead
            test = testRead
        }
        guard train.sampleShape == test.sampleShape else {
            throw DataError(.badShape, "\(found.folder.path): train samples are \(train.sampleShape) but test samples are \(test.sampleShape)")
        }
        return (train, test, val, label, found.folder.path, found.trainFiles + found.testFiles, fingerprint)
    }

    private static func imageOptionsRefused(_ source: String) -> DataError {
        DataError(.badOption, "\(source): size=, channels= and split= apply to image folders only; leave them out for this dataset")
    }

    /// Splits a seeded random selection off the training set; both parts keep their original order.
    /// `stratify` takes it class by class: each class gives its share of the split (largest
    /// remainders decide the rounding), so a small split still holds every class in proportion.
    public static func splitValidation(_ data: Dataset, _ split: ValidationSplit, seed: UInt64,
                                       stratify: Bool = false) throws -> (train: Dataset, val: Dataset) {
        let n = data.count
        let k: Int
        switch split {
        case .fraction(let f):
            guard f > 0, f < 1 else {
                throw DataError(.badOption, "val=\(f): a validation fraction must be strictly between 0 and 1")
            }
            k = Int((Double(n) * f).rounded())
        case .count(let c):
            k = c
        }
        guard k >= 1, k < n else {
            throw DataError(.badOption, "val: a validation split of \(k) samples leaves no room in \(n) training samples; it must be between 1 and \(n - 1)")
        }
        var rng = RandomStream(seed: seed, stream: "data.validation")
        let valIndices = stratify ? stratifiedSelection(data.labels, count: k, rng: &rng) : Array(rng.permutation(n)[0..<k]).sorted()
        var isVal = [Bool](repeating: false, count: n)
        for i in valIndices { isVal[i] = true }
        let trainIndices = (0..<n).filter { !isVal[$0] }
        let base = data.name.components(separatedBy: "/")[0]
        return (try data.select(trainIndices), try data.select(valIndices, name: "\(base)/val"))
    }

    /// `count` indices drawn class by class in proportion to the classes' sizes, ascending.
    static func stratifiedSelection(_ labels: [Int32], count: Int, rng: inout RandomStream) -> [Int] {
        var members = [Int32: [Int]]()
        for (i, y) in labels.enumerated() { members[y, default: []].append(i) }
        let classes = members.keys.sorted()
        let n = Double(labels.count)
        var quota = classes.map { Int(Double(count) * Double(members[$0]!.count) / n) }
        // Largest remainders first (ties to the lower class), until the quotas add up to `count`.
        let remainders = classes.indices.sorted {
            let a = Double(count) * Double(members[classes[$0]]!.count) / n - Double(quota[$0])
            let b = Double(count) * Double(members[classes[$1]]!.count) / n - Double(quota[$1])
            return a != b ? a > b : $0 < $1
        }
        var missing = count - quota.reduce(0, +)
        for c in remainders where missing > 0 && quota[c] < members[classes[c]]!.count { quota[c] += 1; missing -= 1 }
        var chosen = [Int]()
        for (c, y) in classes.enumerated() {
            let pool = members[y]!
            chosen += rng.permutation(pool.count).prefix(quota[c]).map { pool[$0] }
        }
        return chosen.sorted()
    }

    static func identity(name: String, files: [URL], options: DataOptions, fingerprint: String? = nil) -> String {
        var parts = [String]()
        if let fingerprint {
            parts.append(fingerprint)
        } else if files.isEmpty {
            let s = options.synthetic
            parts.append("train=\(s.trainCount),test=\(s.testCount),classes=\(s.classes),shape=\(s.sampleShape.map(String.init).joined(separator: "x")),spread=\(s.spread)")
        }
        for file in files {
            if let (size, crc) = try? FileBytes.fingerprint(file) {
                parts.append("\(file.lastPathComponent):\(size):" + String(format: "%08x", crc))
            } else {
                parts.append("\(file.lastPathComponent):unreadable")
            }
        }
        var text = "\(name)[\(parts.joined(separator: ","))]"
        if let n = options.subset { text += " subset=\(n)" }
        switch options.validation {
        case .fraction(let f)?: text += " val=\(f)"
        case .count(let c)?: text += " val=\(c)"
        case nil: break
        }
        if options.stratify && options.validation != nil { text += " stratified" }
        text += " seed=\(options.seed)"
        if let size = options.images.size { text += " size=\(size)" }
        if let channels = options.images.channels { text += " channels=\(channels)" }
        if let split = options.images.split { text += " split=\(split)" }
        switch options.normalization {
        case .perChannel: text += " norm=per-channel"
        case .fixed(let s): text += " norm=mean\(s.mean)std\(s.std)"
        case .none: text += " norm=none"
        }
        return text
    }
}

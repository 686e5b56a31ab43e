import Foundation

/// The on-disk formats prn recognises in a dataset folder.
public enum DataFormat: String, Sendable {
    case idx, cifar10, cifar100, csv
    /// `x_train.npy`, `y_train.npy`, `x_test.npy`, `y_test.npy` (and optionally the `_val` pair) in a folder.
    case npy
    /// One `.npz` archive holding the same arrays; `folder` is then the archive itself.
    case npz
    /// PNG and JPEG images in one subfolder per class (see `ImageFolderReader`).
    case images
}

/// A dataset folder that holds every file its format needs.
public struct LocatedDataset: Sendable, Equatable {
    public let folder: URL
    public let format: DataFormat
    public let trainFiles: [URL]
    public let testFiles: [URL]
}

/// Finds dataset folders by name under the search roots, or checks a folder given by path.
public struct DataLocator: Sendable {
    /// Folders searched in order: every entry of `PRN_DATA` (':'-separated), `./data`,
    /// then `/usr/share/datasets` (where Debian's dataset packages install).
    public let roots: [(label: String, url: URL)]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment,
                workingDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) {
        var roots = [(label: String, url: URL)]()
        for entry in (environment["PRN_DATA"] ?? "").split(separator: ":") where !entry.isEmpty {
            roots.append(("PRN_DATA", Self.resolve(String(entry), against: workingDirectory)))
        }
        roots.append(("./data", workingDirectory.appendingPathComponent("data").standardizedFileURL))
        roots.append(("system", URL(fileURLWithPath: "/usr/share/datasets")))
        self.roots = roots
    }

    /// Explicit roots, searched in order (labels appear in error messages).
    init(roots: [(label: String, url: URL)]) {
        self.roots = roots
    }

    /// Folder names each known dataset is commonly unpacked under.
    public static let folderNames: [String: [String]] = [
        "mnist": ["mnist", "MNIST", "mnist-data"],
        "fashion-mnist": ["fashion-mnist", "fashion_mnist", "FashionMNIST", "Fashion-MNIST", "fashionmnist"],
        "cifar10": ["cifar-10-batches-bin", "cifar10", "cifar-10", "CIFAR10", "CIFAR-10"],
        "cifar100": ["cifar-100-binary", "cifar100", "cifar-100", "CIFAR100", "CIFAR-100"],
    ]

    static let installHints: [String: String] = [
        "mnist": "download the four IDX files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) into <root>/mnist",
        "fashion-mnist": "run `apt-get install dataset-fashion-mnist`, or put the four Fashion-MNIST IDX files into <root>/fashion-mnist",
        "cifar10": "download cifar-10-binary.tar.gz and unpack it into <root> (it creates cifar-10-batches-bin)",
        "cifar100": "download cifar-100-binary.tar.gz and unpack it into <root> (it creates cifar-100-binary)",
    ]

    /// Locates a known dataset by name. The error lists every place searched and how to install it.
    public func locate(name: String) throws -> LocatedDataset {
        guard let aliases = Self.folderNames[name] else {
            let known = (Self.folderNames.keys.sorted() + ["synthetic"]).joined(separator: ", ")
            throw DataError(.datasetNotFound, "unknown dataset '\(name)'; known datasets are \(known), or give a folder path such as ./data/mine")
        }
        var incomplete = [String]()
        var searched = [String]()
        for root in roots {
            for alias in aliases {
                let base = root.url.appendingPathComponent(alias)
                // torchvision keeps the IDX files one level down, in <name>/raw.
                for folder in [base, base.appendingPathComponent("raw")] where isDirectory(folder) {
                    switch inspect(folder) {
                    case .success(let found): return found
                    case .failure(let error): incomplete.append(error.message)
                    }
                }
            }
            // A root that does not exist is no error until a dataset is sought there; then it is
            // the likeliest reason the search failed.
            let exists = FileManager.default.fileExists(atPath: root.url.path)
            searched.append("\(root.url.path) (\(root.label))\(exists ? "" : ": does not exist")")
        }
        var message = "dataset '\(name)' not found. Searched for folders named \(aliases.joined(separator: ", ")) in:\n"
        message += searched.map { "  " + $0 }.joined(separator: "\n")
        if !incomplete.isEmpty {
            message += "\nFolders found but incomplete:\n" + incomplete.map { "  " + $0 }.joined(separator: "\n")
        }
        let hint = (Self.installHints[name] ?? "").replacingOccurrences(of: "<root>", with: "one of these folders")
        message += "\nTo install: \(hint); or set PRN_DATA=/path/to/datasets (several roots separated by ':')."
        throw DataError(.datasetNotFound, message)
    }

    /// Checks a folder given by path (relative paths resolve against the working directory).
    public func locate(folder path: String, workingDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) throws -> LocatedDataset {
        let url = Self.resolve(path, against: workingDirectory)
        if url.pathExtension.lowercased() == "npz", isFile(url) {
            return LocatedDataset(folder: url, format: .npz, trainFiles: [url], testFiles: [])
        }
        guard isDirectory(url) else {
            throw DataError(.datasetNotFound, "\(url.path): no such folder; give a dataset folder (IDX, CIFAR binary, train.csv + test.csv, NumPy x_train.npy ..., PNG/JPEG class folders), a .npz archive, or a known dataset name")
        }
        switch inspect(url) {
        case .success(let found): return found
        case .failure(let error): throw error
        }
    }

    /// Recognises a dataset folder by the files it holds.
    func inspect(_ folder: URL) -> Result<LocatedDataset, DataError> {
        let idxNames = [("train-images-idx3-ubyte", "train-images.idx3-ubyte"), ("train-labels-idx1-ubyte", "train-labels.idx1-ubyte"),
                        ("t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"), ("t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte")]
        let idx = idxNames.map { pair in
            [pair.0 + ".gz", pair.0, pair.1 + ".gz", pair.1].lazy.map { folder.appendingPathComponent($0) }.first(where: isFile)
        }
        if idx.allSatisfy({ $0 != nil }) {
            let files = idx.compactMap { $0 }
            return .success(LocatedDataset(folder: folder, format: .idx, trainFiles: Array(files[0...1]), testFiles: Array(files[2...3])))
        }
        for variant in [CIFARReader.Variant.cifar10, .cifar100] {
            let train = variant.trainFiles.map { folder.appendingPathComponent($0) }
            let test = variant.testFiles.map { folder.appendingPathComponent($0) }
            if (train + test).allSatisfy(isFile) {
                return .success(LocatedDataset(folder: folder, format: variant == .cifar10 ? .cifar10 : .cifar100, trainFiles: train, testFiles: test))
            }
        }
        let csv = ["train.csv", "test.csv"].map { folder.appendingPathComponent($0) }
        if csv.allSatisfy(isFile) {
            return .success(LocatedDataset(folder: folder, format: .csv, trainFiles: [csv[0]], testFiles: [csv[1]]))
        }
        let npy = NPYDataset.required.map { folder.appendingPathComponent($0 + ".npy") }
        if npy.allSatisfy(isFile) {
            let val = NPYDataset.optional.map { folder.appendingPathComponent($0 + ".npy") }.filter(isFile)
            return .success(LocatedDataset(folder: folder, format: .npy, trainFiles: [npy[0], npy[1]] + val, testFiles: [npy[2], npy[3]]))
        }
        if ImageFolderReader.looksLikeImages(folder) {
            return .success(LocatedDataset(folder: folder, format: .images, trainFiles: [], testFiles: []))
        }
        var missing = ""
        if npy.contains(where: isFile) {
            missing = " (missing " + npy.filter { !isFile($0) }.map(\.lastPathComponent).joined(separator: ", ") + ")"
        } else if idx.contains(where: { $0 != nil }) {
            missing = " (missing " + zip(idxNames, idx).filter { $0.1 == nil }.map { $0.0.0 + "[.gz]" }.joined(separator: ", ") + ")"
        } else if isFile(folder.appendingPathComponent("data_batch_1.bin")) || isFile(folder.appendingPathComponent("test_batch.bin")) {
            let need = CIFARReader.Variant.cifar10.trainFiles + CIFARReader.Variant.cifar10.testFiles
            missing = " (missing " + need.filter { !isFile(folder.appendingPathComponent($0)) }.joined(separator: ", ") + ")"
        }
        return .failure(DataError(.missingFile, "\(folder.path): holds no complete dataset\(missing); expected the four MNIST-style IDX files, CIFAR-10/100 binary batches, train.csv + test.csv, NumPy x_train.npy, y_train.npy, x_test.npy, y_test.npy, or images in train/CLASS/ and test/CLASS/"))
    }

    /// Absolute paths stay as they are, `~` expands, anything else is taken from `base`.
    static func resolve(_ path: String, against base: URL) -> URL {
        let expanded = NSString(string: path).expandingTildeInPath
        let url = expanded.hasPrefix("/") ? URL(fileURLWithPath: expanded) : base.appendingPathComponent(expanded)
        return url.standardizedFileURL
    }

    private func isDirectory(_ url: URL) -> Bool {
        var dir: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &dir) && dir.boolValue
    }

    private func isFile(_ url: URL) -> Bool {
        var dir: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &dir) && !dir.boolValue
    }
}

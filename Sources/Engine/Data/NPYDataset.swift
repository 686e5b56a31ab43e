import Foundation

/// A dataset stored as NumPy arrays named after the Keras convention: `x_train`, `y_train`,
/// `x_test`, `y_test`, and optionally `x_val`, `y_val`, either as `.npy` files in one folder or
/// as the arrays of one `.npz` archive.
public enum NPYDataset {
    public static let required = ["x_train", "y_train", "x_test", "y_test"]
    public static let optional = ["x_val", "y_val"]

    struct Splits {
        let train: Dataset
        let test: Dataset
        let val: Dataset?
    }

    /// `x_train.npy` and the others in `folder` (each may also be gzip-compressed).
    static func load(folder: URL, label: String) throws -> Splits {
        try assemble(label: label, source: folder.path) { name in
            let url = folder.appendingPathComponent(name + ".npy")
            guard FileManager.default.fileExists(atPath: url.path) else { return nil }
            return try NPYReader.read(url)
        }
    }

    /// The arrays of one `.npz` archive, stored or deflated.
    static func load(archive url: URL, label: String) throws -> Splits {
        let zip = try ZipArchive(url)
        let byName = Dictionary(zip.entries.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let found = zip.entries.map { $0.name.hasSuffix(".npy") ? String($0.name.dropLast(4)) : $0.name }
        for name in required where byName[name + ".npy"] == nil {
            throw NPYError.missingArray(archive: url.path, name: name, found: found)
        }
        return try assemble(label: label, source: url.path) { name in
            guard let entry = byName[name + ".npy"] else { return nil }
            return try NPYReader.parse(try zip.contents(entry)[...], file: "\(url.path):\(entry.name)")
        }
    }

    private static func assemble(label: String, source: String, _ array: (String) throws -> NPYReader.Array?) throws -> Splits {
        func pair(_ split: String) throws -> (x: Tensor, y: [Int32], file: String)? {
            let xa = try array("x_\(split)"), ya = try array("y_\(split)")
            if let xa, ya == nil { throw NPYError.missingArray(archive: source, name: "y_\(split)", found: [xa.file]) }
            if let ya, xa == nil { throw NPYError.missingArray(archive: source, name: "x_\(split)", found: [ya.file]) }
            guard let xa, let ya else { return nil }
            let x = try NPYReader.features(xa)
            let y = try NPYReader.labels(ya)
            guard x.shape[0] == y.count else {
                throw NPYError.countMismatch(features: xa.file, samples: x.shape[0], labels: ya.file, labelCount: y.count)
            }
            return (x, y, xa.file)
        }
        guard let train = try pair("train"), let test = try pair("test") else {
            preconditionFailure("the locator found every required array")
        }
        let val = try pair("val")
        let classes = Int(([train.y, test.y] + (val.map { [$0.y] } ?? [])).map { $0.max() ?? 0 }.max() ?? 0) + 1
        for other in [test] + (val.map { [$0] } ?? []) where other.x.shape.dropFirst() != train.x.shape.dropFirst() {
            throw NPYError.badShape(file: other.file, shape: other.x.shape,
                                    reason: "does not match the training samples \(NPYError.text(train.x.shape)); every split needs the same sample shape")
        }
        return Splits(train: try Dataset(name: "\(label)/train", samples: train.x, labels: train.y, classes: classes),
                      test: try Dataset(name: "\(label)/test", samples: test.x, labels: test.y, classes: classes),
                      val: try val.map { try Dataset(name: "\(label)/val", samples: $0.x, labels: $0.y, classes: classes) })
    }
}

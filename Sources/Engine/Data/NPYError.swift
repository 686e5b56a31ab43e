import Foundation

/// Why a NumPy `.npy` file or `.npz` archive could not be read. Every case names the file (for
/// an archive entry, "archive.npz:x_train.npy") and its message says what to do about it.
public enum NPYError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    /// The file does not start with NumPy's magic `\x93NUMPY`.
    case notNPY(file: String)
    /// The header dictionary is cut short, malformed, or of an unknown format version.
    case badHeader(file: String, reason: String)
    /// A dtype prn does not read (big-endian, complex, strings, objects, ...).
    case unsupportedType(file: String, dtype: String, role: String)
    /// The shape cannot be used for this role (rank, zero dimension, ambiguous channel axis).
    case badShape(file: String, shape: [Int], reason: String)
    /// Fewer data bytes than the header's shape and dtype need.
    case truncated(file: String, needed: Int, available: Int)
    /// More data bytes than the header's shape and dtype describe.
    case trailingBytes(file: String, extra: Int)
    /// Features and labels disagree on the number of samples.
    case countMismatch(features: String, samples: Int, labels: String, labelCount: Int)
    /// A label that is negative or too large to be a class index.
    case badLabel(file: String, index: Int, value: Int64)
    /// A feature value that is NaN or infinite.
    case nonFinite(file: String, index: Int)
    /// Holding the converted array would pass the memory budget.
    case tooLarge(file: String, bytes: Int, limit: String)
    /// The `.npz` archive is not a readable zip file.
    case badArchive(file: String, reason: String)
    /// An archive entry compressed with a method other than stored or deflate.
    case unsupportedCompression(file: String, method: Int)
    /// The archive lacks an array prn needs.
    case missingArray(archive: String, name: String, found: [String])

    public var description: String {
        switch self {
        case .notNPY(let file):
            return "\(file): not a NumPy .npy file (it does not start with \\x93NUMPY); write it with numpy.save"
        case .badHeader(let file, let reason):
            return "\(file): the .npy header is damaged (\(reason)); write the file again with numpy.save"
        case .unsupportedType(let file, let dtype, let role):
            let supported = role == "labels" ? "integer labels (int8 to int64, uint8 to uint64)"
                                             : "float32, float64, uint8 or int64 values"
            return "\(file): dtype '\(dtype)' is not supported for \(role); prn reads little-endian \(supported), convert with x.astype(...) before saving"
        case .badShape(let file, let shape, let reason):
            return "\(file): shape \(Self.text(shape)) \(reason)"
        case .truncated(let file, let needed, let available):
            return "\(file): the header's shape and dtype need \(needed) data bytes but only \(available) follow; the file is truncated, write or copy it again"
        case .trailingBytes(let file, let extra):
            return "\(file): \(extra) unexpected bytes after the array the header describes; the file is corrupt, write it again"
        case .countMismatch(let features, let samples, let labels, let labelCount):
            return "\(features) holds \(samples) samples but \(labels) holds \(labelCount) labels; use the features and labels of the same split"
        case .badLabel(let file, let index, let value):
            return "\(file): label \(value) of sample \(index) is not a class index (0 or more, below 65536); labels must be integer classes 0..<K"
        case .nonFinite(let file, let index):
            return "\(file): value \(index) is NaN or infinite; clean the array (numpy.nan_to_num) before saving"
        case .tooLarge(let file, let bytes, let limit):
            return String(format: "%@: the array needs %.2f GB as float32, more than %@; use a smaller array or raise PRN_MEMORY_GB", file, Double(bytes) / 1e9, limit)
        case .badArchive(let file, let reason):
            return "\(file): not a readable .npz (zip) archive (\(reason)); write it again with numpy.savez or numpy.savez_compressed"
        case .unsupportedCompression(let file, let method):
            return "\(file): compressed with zip method \(method); prn reads stored and deflated entries, as numpy.savez and numpy.savez_compressed write them"
        case .missingArray(let archive, let name, let found):
            let list = found.isEmpty ? "no arrays" : found.joined(separator: ", ")
            return "\(archive): no array '\(name)' (it holds \(list)); save the splits as x_train, y_train, x_test, y_test, e.g. numpy.savez(path, x_train=..., y_train=..., x_test=..., y_test=...)"
        }
    }

    public var errorDescription: String? { description }

    static func text(_ shape: [Int]) -> String {
        "(" + shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? ",)" : ")")
    }
}

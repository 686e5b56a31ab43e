import Foundation

/// Model files: safetensors with every parameter and buffer under its PyTorch-style name, pruning
/// masks as `<name>_mask` (the naming of PyTorch's own pruning utilities), and the architecture
/// (graph, widths after pruning) in the metadata, so a pruned model reloads exactly.
public enum ModelFile {
    public static let formatKey = "prn.format"
    public static let architectureKey = "prn.architecture"
    /// Format versions this reader understands; `save` writes the first.
    public static let supportedFormats = ["prn-model-1"]

    public static func save(_ model: Model, to url: URL, metadata extra: [String: String] = [:]) throws {
        var tensors: [(String, Tensor)] = []
        for p in model.parameters {
            tensors.append((p.name, p.value))
            if let m = p.mask { tensors.append((p.name + "_mask", m)) }
        }
        var metadata = extra
        metadata[formatKey] = supportedFormats[0]
        metadata[architectureKey] = Architecture(of: model).json()
        try SafetensorsFile.write(tensors: tensors, metadata: metadata, to: url)
    }

    /// Reads a model file, checking that every parameter is present with the shape its
    /// architecture implies, that nothing unexpected is in the file, that masks are 0/1 and
    /// (unless `allowNonFinite`) that every value is finite.
    public static func load(from url: URL, allowNonFinite: Bool = false) throws -> (model: Model, metadata: [String: String]) {
        let (tensors, metadata) = try SafetensorsFile.read(from: url)
        // A file without the key predates nothing: prn always writes it, others may not.
        if let format = metadata[formatKey], !supportedFormats.contains(format) {
            throw ModelFileError.unsupportedFormat(path: url.path, format: format, supported: supportedFormats)
        }
        guard let archText = metadata[architectureKey] else {
            throw ModelFileError.noArchitecture(path: url.path)
        }
        let model: Model
        do {
            let architecture = try Architecture.parse(archText)
            // Every weight must be stored in the file, so an architecture claiming more weights
            // than the file holds values is corrupt: refuse it before allocating those layers.
            let stored = tensors.values.reduce(0.0) { $0 + Double($1.count) }
            guard architecture.weightLowerBound <= stored else {
                throw ModelFileError.tooFewValues(path: url.path, needed: Int(min(architecture.weightLowerBound, 9e18)), stored: Int(stored))
            }
            model = try architecture.instantiate()
        } catch let e as ModelFileError { throw e } catch {
            throw ModelFileError.invalidArchitecture(path: url.path, reason: "\(error)")
        }
        var unused = Set(tensors.keys)
        for p in model.parameters {
            guard let t = tensors[p.name] else {
                throw ModelFileError.missingTensor(path: url.path, tensor: p.name, expected: p.value.shape)
            }
            guard t.shape == p.value.shape else {
                throw ModelFileError.tensorShape(path: url.path, tensor: p.name, expected: p.value.shape, actual: t.shape)
            }
            if !allowNonFinite, let bad = ModelValueChecks.firstNonFinite(t) {
                throw ModelFileError.nonFinite(path: url.path, tensor: p.name, value: bad.value, index: bad.index, count: bad.count, of: t.count)
            }
            p.value.copy(from: t)
            unused.remove(p.name)
            if let m = tensors[p.name + "_mask"] {
                guard m.shape == p.value.shape else {
                    throw ModelFileError.maskShape(path: url.path, mask: p.name + "_mask", expected: p.value.shape, actual: m.shape)
                }
                if let bad = ModelValueChecks.firstNotZeroOrOne(m) {
                    throw ModelFileError.maskValue(path: url.path, mask: p.name + "_mask", value: bad.value, index: bad.index)
                }
                p.mask = m
                unused.remove(p.name + "_mask")
            }
        }
        if let extra = unused.sorted().first {
            throw ModelFileError.unexpectedTensor(path: url.path, tensor: extra, unexpected: unused.count)
        }
        return (model, metadata)
    }
}

/// Why a model file could not be loaded, with the facts a caller may act on; `description` is
/// the message users see (the file, the tensor at fault, and what to do).
public enum ModelFileError: Error, CustomStringConvertible, Equatable, Sendable {
    case unsupportedFormat(path: String, format: String, supported: [String])
    case noArchitecture(path: String)
    case tooFewValues(path: String, needed: Int, stored: Int)
    case invalidArchitecture(path: String, reason: String)
    case missingTensor(path: String, tensor: String, expected: [Int])
    case tensorShape(path: String, tensor: String, expected: [Int], actual: [Int])
    case nonFinite(path: String, tensor: String, value: Float, index: Int, count: Int, of: Int)
    case maskShape(path: String, mask: String, expected: [Int], actual: [Int])
    case maskValue(path: String, mask: String, value: Float, index: Int)
    case unexpectedTensor(path: String, tensor: String, unexpected: Int)

    /// The file at fault.
    public var path: String {
        switch self {
        case .unsupportedFormat(let path, _, _), .noArchitecture(let path), .tooFewValues(let path, _, _),
             .invalidArchitecture(let path, _), .missingTensor(let path, _, _), .tensorShape(let path, _, _, _),
             .nonFinite(let path, _, _, _, _, _), .maskShape(let path, _, _, _), .maskValue(let path, _, _, _),
             .unexpectedTensor(let path, _, _):
            return path
        }
    }

    public var description: String {
        switch self {
        case let .unsupportedFormat(path, format, supported):
            return "\(path): model format '\(format)' is not one this prn reads (it reads \(supported.joined(separator: ", "))); the file was written by another version of prn or is not a prn model file"
        case let .noArchitecture(path):
            return "\(path): no '\(ModelFile.architectureKey)' metadata, so the network's structure is unknown; only model files written by prn's save can be loaded this way"
        case let .tooFewValues(path, needed, stored):
            return "\(path): the stored architecture needs at least \(needed) weights but the file holds only \(stored) values; the file is corrupt or was not written by prn"
        case let .invalidArchitecture(path, reason):
            return "\(path): the stored architecture is invalid: \(reason)"
        case let .missingTensor(path, tensor, expected):
            return "\(path): tensor '\(tensor)' is missing (expected shape \(expected))"
        case let .tensorShape(path, tensor, expected, actual):
            return "\(path): tensor '\(tensor)' has shape \(actual) but the architecture needs \(expected)"
        case let .nonFinite(path, tensor, value, index, count, total):
            return "\(path): tensor '\(tensor)' holds \(ModelValueChecks.describe(value)) at index \(index) (\(count) non-finite of \(total)); the model diverged or the file is corrupt. Load it with allow_nonfinite=true to inspect it anyway"
        case let .maskShape(path, mask, expected, actual):
            return "\(path): mask '\(mask)' has shape \(actual), expected \(expected)"
        case let .maskValue(path, mask, value, index):
            return "\(path): mask '\(mask)' holds \(value) at index \(index); mask values must be 0 or 1 (pruned or kept), the file is corrupt"
        case let .unexpectedTensor(path, tensor, unexpected):
            return "\(path): tensor '\(tensor)' belongs to no parameter of the stored architecture (\(unexpected) unexpected in all)"
        }
    }
}

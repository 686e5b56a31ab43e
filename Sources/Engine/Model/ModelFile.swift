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
            throw ModelFileError("\(url.path): model format '\(format)' is not one this prn reads (it reads \(supportedFormats.joined(separator: ", "))); the file was written by another version of prn or is not a prn model file")
        }
        guard let archText = metadata[architectureKey] else {
            throw ModelFileError("\(url.path): no '\(architectureKey)' metadata, so the network's structure is unknown; only model files written by prn's save can be loaded this way")
        }
        let model: Model
        do {
            let architecture = try Architecture.parse(archText)
            // Every weight must be stored in the file, so an architecture claiming more weights
            // than the file holds values is corrupt: refuse it before allocating those layers.
            let stored = tensors.values.reduce(0.0) { $0 + Double($1.count) }
            guard architecture.weightLowerBound <= stored else {
                throw ModelFileError("\(url.path): the stored architecture needs at least \(Int(min(architecture.weightLowerBound, 9e18))) weights but the file holds only \(Int(stored)) values; the file is corrupt or was not written by prn")
            }
            model = try architecture.instantiate()
        } catch let e as ModelFileError { throw e } catch {
            throw ModelFileError("\(url.path): the stored architecture is invalid: \(error)")
        }
        var unused = Set(tensors.keys)
        for p in model.parameters {
            guard let t = tensors[p.name] else {
                throw ModelFileError("\(url.path): tensor '\(p.name)' is missing (expected shape \(p.value.shape))")
            }
            guard t.shape == p.value.shape else {
                throw ModelFileError("\(url.path): tensor '\(p.name)' has shape \(t.shape) but the architecture needs \(p.value.shape)")
            }
            if !allowNonFinite, let bad = ModelValueChecks.firstNonFinite(t) {
                throw ModelFileError("\(url.path): tensor '\(p.name)' holds \(ModelValueChecks.describe(bad.value)) at index \(bad.index) (\(bad.count) non-finite of \(t.count)); the model diverged or the file is corrupt. Load it with allow_nonfinite=true to inspect it anyway")
            }
            p.value.copy(from: t)
            unused.remove(p.name)
            if let m = tensors[p.name + "_mask"] {
                guard m.shape == p.value.shape else {
                    throw ModelFileError("\(url.path): mask '\(p.name)_mask' has shape \(m.shape), expected \(p.value.shape)")
                }
                if let bad = ModelValueChecks.firstNotZeroOrOne(m) {
                    throw ModelFileError("\(url.path): mask '\(p.name)_mask' holds \(bad.value) at index \(bad.index); mask values must be 0 or 1 (pruned or kept), the file is corrupt")
                }
                p.mask = m
                unused.remove(p.name + "_mask")
            }
        }
        if let extra = unused.sorted().first {
            throw ModelFileError("\(url.path): tensor '\(extra)' belongs to no parameter of the stored architecture (\(unused.count) unexpected in all)")
        }
        return (model, metadata)
    }
}

public struct ModelFileError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

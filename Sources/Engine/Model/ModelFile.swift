import Foundation

/// Model files: safetensors with every parameter and buffer under its PyTorch-style name, pruning
/// masks as `<name>_mask` (the naming of PyTorch's own pruning utilities), and the architecture
/// (graph, widths after pruning) in the metadata, so a pruned model reloads exactly.
public enum ModelFile {
    public static let formatKey = "prn.format"
    public static let architectureKey = "prn.architecture"

    public static func save(_ model: Model, to url: URL, metadata extra: [String: String] = [:]) throws {
        var tensors: [(String, Tensor)] = []
        for p in model.parameters {
            tensors.append((p.name, p.value))
            if let m = p.mask { tensors.append((p.name + "_mask", m)) }
        }
        var metadata = extra
        metadata[formatKey] = "prn-model-1"
        metadata[architectureKey] = Architecture(of: model).json()
        try SafetensorsFile.write(tensors: tensors, metadata: metadata, to: url)
    }

    /// Reads a model file, checking that every parameter is present with the shape its
    /// architecture implies, and that nothing unexpected is in the file.
    public static func load(from url: URL) throws -> (model: Model, metadata: [String: String]) {
        let (tensors, metadata) = try SafetensorsFile.read(from: url)
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
            p.value.copy(from: t)
            unused.remove(p.name)
            if let m = tensors[p.name + "_mask"] {
                guard m.shape == p.value.shape else {
                    throw ModelFileError("\(url.path): mask '\(p.name)_mask' has shape \(m.shape), expected \(p.value.shape)")
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

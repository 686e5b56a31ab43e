import Engine

/// A complete copy of a model — architecture, every parameter and buffer value, masks, optimizer
/// state and optimizer groups — that rebuilds the model exactly, also after surgery changed its
/// shapes (`checkpoint`/`restore` across pruning). The architecture is stored as data, so the
/// rebuilt graph has the widths the model had when the snapshot was taken.
public struct ModelSnapshot: @unchecked Sendable {
    // Tensors are copied on capture and on restore, so nothing here is ever shared or mutated.
    public let architecture: Architecture
    public let classes: Int
    private let entries: [String: Entry]

    private struct Entry {
        var value: Tensor
        var mask: Tensor?
        var state: [String: Tensor]
        var group: String
    }

    public init(_ model: Model) {
        architecture = Architecture(of: model)
        classes = model.classes
        var e = [String: Entry]()
        for p in model.parameters {
            e[p.name] = Entry(value: p.value.copy(), mask: p.mask?.copy(), state: p.state.mapValues { $0.copy() },
                              group: p.group)
        }
        entries = e
    }

    /// A new model equal to the captured one (fresh buffers: nothing is shared with the snapshot).
    public func makeModel() throws -> Model {
        let model = try architecture.instantiate()
        model.classes = classes
        for p in model.parameters {
            guard let e = entries[p.name] else {
                throw PruningError(.staleState, "snapshot has no value for \(p.name); it was taken from a different model")
            }
            guard e.value.shape == p.value.shape else {
                throw PruningError(.staleState, "snapshot value for \(p.name) has shape \(e.value.shape) but the architecture gives \(p.value.shape)")
            }
            p.value.copy(from: e.value)
            p.mask = e.mask?.copy()
            p.state = e.state.mapValues { $0.copy() }
            p.group = e.group
        }
        return model
    }

    /// Puts the captured values and optimizer state back into `model` but keeps its current
    /// masks (lottery-ticket rewinding: the weights a pruned network started from, with the
    /// connections pruning kept). Every shape must be the captured one: after structured surgery
    /// there is no weight to rewind to for a removed unit.
    public func rewind(_ model: Model) throws {
        for p in model.parameters {
            guard let e = entries[p.name] else {
                throw PruningError(.staleState, "the checkpoint has no value for \(p.name); it was taken from a different model")
            }
            guard e.value.shape == p.value.shape else {
                throw PruningError(.staleState, "\(p.name) has shape \(p.value.shape) but \(e.value.shape) in the checkpoint; rewinding keeps masks, "
                                   + "so it needs the shapes the checkpoint had (weights pruning, not units removed by surgery)")
            }
        }
        for p in model.parameters {
            let e = entries[p.name]!
            p.value.copy(from: e.value)
            p.state = e.state.mapValues { $0.copy() }
            p.applyMask()
        }
    }

    public var parameterCount: Int { entries.values.reduce(0) { $0 + $1.value.count } }
}

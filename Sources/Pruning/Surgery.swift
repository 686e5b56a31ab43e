import Engine

/// Applies keep-sets to a model. Weights: masks are set and pruned values zeroed (with their
/// gradients and optimizer state). Units: the model is physically cut down — producer rows /
/// out-channels and biases, follower BatchNorm parameters and running statistics, consumer
/// columns / in-channels (a block of H*W columns per channel after a flatten) — so the result is
/// a smaller dense model. Masks and optimizer state on sliced tensors are sliced with them.
public enum Surgery {
    public static func apply(_ keep: KeepSet, to model: Model, structure: StructureAnalysis) throws {
        if keep.granularity.isStructured {
            try applyUnits(keep, model, structure)
        } else {
            try applyWeights(keep, model)
        }
        _ = try model.shapes()
    }

    private static func applyWeights(_ keep: KeepSet, _ model: Model) throws {
        for p in PrunableWeights.of(model) {
            guard let flags = keep.weights[p.name] else { continue }
            guard flags.count == p.value.count else {
                throw PruningError(.staleState, "keep-set for \(p.name) has \(flags.count) entries but the weight has \(p.value.count)")
            }
            let mask = p.mask.flatMap { $0.count == p.value.count ? $0 : nil } ?? Tensor(shape: p.value.shape, repeating: 1)
            let m = mask.data
            for i in 0..<flags.count where !flags[i] { m[i] = 0 }
            p.mask = mask
            p.applyMask()
        }
    }

    private static func applyUnits(_ keep: KeepSet, _ model: Model, _ structure: StructureAnalysis) throws {
        // Validate everything before touching the model, so a bad keep-set leaves it intact.
        var plan: [(PruningGroup, [Int])] = []
        for (name, kept) in keep.units.sorted(by: { $0.key < $1.key }) {
            guard let g = structure.group(named: name) else {
                throw PruningError(.staleState, "keep-set names \(name), which is not a prunable group of this model")
            }
            guard !kept.isEmpty else { throw PruningError(.staleState, "keep-set would empty \(name); every layer keeps at least one unit") }
            guard zip(kept, kept.dropFirst()).allSatisfy({ $0 < $1 }), let first = kept.first, let last = kept.last,
                  first >= 0, last < g.units else {
                throw PruningError(.staleState, "keep-set for \(name) must list distinct unit indices in 0..<\(g.units) in ascending order")
            }
            if kept.count < g.units { plan.append((g, kept)) }
        }
        for (g, kept) in plan {
            try sliceProducer(model, g, kept)
            for f in g.followers { sliceFollower(model.nodes[f].layer, kept) }
            for c in g.consumers { try sliceConsumer(model, c, kept) }
        }
    }

    private static func sliceProducer(_ model: Model, _ g: PruningGroup, _ kept: [Int]) throws {
        switch model.nodes[g.producer].layer {
        case let l as Linear:
            let (w, b) = (sliced(l.weight, axis: 0, kept, block: 1), l.bias.map { sliced($0, axis: 0, kept, block: 1) })
            l.resize(weight: w.value, bias: b?.value)
            restore(l.weight, w); if let p = l.bias, let b { restore(p, b) }
        case let c as Conv2d:
            let (w, b) = (sliced(c.weight, axis: 0, kept, block: 1), c.bias.map { sliced($0, axis: 0, kept, block: 1) })
            c.resize(weight: w.value, bias: b?.value)
            restore(c.weight, w); if let p = c.bias, let b { restore(p, b) }
        default:
            throw PruningError(.unsupportedModel, "\(g.name) is not a linear or conv layer and cannot be sliced")
        }
    }

    private static func sliceFollower(_ layer: Layer?, _ kept: [Int]) {
        guard let layer else { return }
        let saved = layer.parameters.map { sliced($0, axis: 0, kept, block: 1) }
        if let bn = layer as? BatchNorm { bn.keepChannels(kept) }
        else if let bn = layer as? SigmoidBatchNorm { bn.keepChannels(kept) }
        for (p, s) in zip(layer.parameters, saved) {
            if p.value.count != s.value.count { p.replace(with: s.value) }
            restore(p, s)
        }
    }

    private static func sliceConsumer(_ model: Model, _ c: GroupConsumer, _ kept: [Int]) throws {
        switch model.nodes[c.node].layer {
        case let l as Linear:
            let w = sliced(l.weight, axis: 1, kept, block: c.block)
            l.resize(weight: w.value, bias: nil)
            restore(l.weight, w)
        case let conv as Conv2d:
            let w = sliced(conv.weight, axis: 1, kept, block: 1)
            conv.resize(weight: w.value, bias: nil)
            restore(conv.weight, w)
        default:
            throw PruningError(.unsupportedModel, "consumer \(c.name) is not a linear or conv layer and cannot be sliced")
        }
    }

    /// A parameter's value, mask and optimizer state cut down along one axis.
    private struct Sliced { var value: Tensor; var mask: Tensor?; var state: [String: Tensor] }

    private static func sliced(_ p: Parameter, axis: Int, _ kept: [Int], block: Int) -> Sliced {
        let n = p.value.count
        return Sliced(value: slice(p.value, axis: axis, kept, block: block),
                      mask: p.mask.flatMap { $0.count == n ? slice($0, axis: axis, kept, block: block) : nil },
                      state: p.state.compactMapValues {
                          // Per-entry state is cut like the value; a one-entry counter (Adam's step) is kept whole.
                          $0.count == n ? slice($0, axis: axis, kept, block: block) : $0.count == 1 ? $0.copy() : nil
                      })
    }

    /// `resize`/`keepChannels` drop masks and state; put the sliced ones back.
    private static func restore(_ p: Parameter, _ s: Sliced) {
        p.mask = s.mask
        p.state = s.state
    }

    /// Keeps, along `axis`, the blocks `kept[i]*block ..< (kept[i]+1)*block`.
    static func slice(_ t: Tensor, axis: Int, _ kept: [Int], block: Int) -> Tensor {
        let shape = t.shape
        let outer = shape[..<axis].reduce(1, *), dim = shape[axis], inner = shape[(axis + 1)...].reduce(1, *)
        precondition(dim % block == 0 && (kept.last ?? 0) * block < dim, "slice: blocks of \(block) do not tile axis \(axis) of \(shape)")
        var newShape = shape
        newShape[axis] = kept.count * block
        let out = Tensor(shape: newShape, zeroed: false)
        let src = t.data, dst = out.data, run = block * inner
        var o = 0
        for a in 0..<outer {
            let base = src + a * dim * inner
            for k in kept {
                (dst + o).update(from: base + k * run, count: run)
                o += run
            }
        }
        return out
    }
}

import Engine

/// Applies keep-sets to a model. Weights: masks are set and pruned values zeroed (with their
/// gradients and optimizer state). Units: the model is physically cut down — producer rows /
/// out-channels and biases, per-channel layers (batch norm parameters and running statistics,
/// depthwise filters), option-A shortcut padding, and reader columns / in-channels (a block of
/// H*W columns per channel after a flatten, a slice after a concatenation) — so the result is a
/// smaller dense model. Channels tied by residual adds go together: a keep-set names every
/// member of a group with the same choice. Masks and optimizer state on sliced tensors are
/// sliced with them.
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
        let layout = structure.layout
        var listed: [Int: [Bool]] = [:]
        for (name, kept) in keep.units.sorted(by: { $0.key < $1.key }) {
            guard let g = structure.group(named: name), let cg = structure.channelGroup(named: g.group),
                  let channels = cg.channelOf[name] else {
                throw PruningError(.staleState, "keep-set names \(name), which is not a prunable group of this model")
            }
            guard !kept.isEmpty else { throw PruningError(.staleState, "keep-set would empty \(name); every layer keeps at least one unit") }
            guard zip(kept, kept.dropFirst()).allSatisfy({ $0 < $1 }), let first = kept.first, let last = kept.last,
                  first >= 0, last < g.units else {
                throw PruningError(.staleState, "keep-set for \(name) must list distinct unit indices in 0..<\(g.units) in ascending order")
            }
            var flags = [Bool](repeating: false, count: g.units)
            for k in kept { flags[k] = true }
            if let u = flags.indices.first(where: { !flags[$0] && !cg.prunable[channels[$0]] }) {
                throw PruningError(.staleState, "keep-set removes unit \(u) of \(name), which must stay: \(cg.pinnedReason ?? "it cannot be sliced")")
            }
            listed[g.producer] = flags
        }
        // A tied class goes only when every producer holding it lets it go.
        var classKept: [Int: Bool] = [:]
        for g in structure.groups {
            for (u, e) in layout.layouts[g.producer].enumerated() {
                classKept[layout.classOf[e], default: false] = classKept[layout.classOf[e], default: false] || (listed[g.producer]?[u] ?? true)
            }
        }
        func kept(_ n: Int) -> [Bool] { layout.layouts[n].map { classKept[layout.classOf[$0]] ?? true } }
        for (p, flags) in listed.sorted(by: { $0.key < $1.key }) where kept(p) != flags {
            let u = zip(kept(p), flags).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? 0
            let name = model.nodes[p].name
            let cg = structure.group(named: name).flatMap { structure.channelGroup(named: $0.group) }
            let others = (cg?.members ?? []).filter { $0 != name }.prefix(3).joined(separator: ", ")
            throw PruningError(.staleState, "keep-set for \(name) removes unit \(u) but a layer tied to it (\(others)) keeps it; channels tied through \(cg?.joins.prefix(3).joined(separator: ", ") ?? "a join") are removed together: give every member of group \(cg?.name ?? name) the same keep-set")
        }
        for n in model.nodes.indices {
            let node = model.nodes[n]
            switch layout.roles[n] {
            case .producer(let reads):
                let out = kept(n)
                if out.contains(false) { try sliceProducer(model, n, indices(out)) }
                if reads, let input = node.inputs.first {
                    let inMask = kept(input)
                    if inMask.contains(false) { try sliceConsumer(model, n, indices(inMask), block: layout.blocks[input]) }
                }
            case .perChannel:
                guard let input = node.inputs.first else { continue }
                let mask = kept(input)
                if mask.contains(false) { sliceFollower(node.layer, indices(mask)) }
            case .shortcut(let before, let after):
                let mask = kept(n)
                if mask.contains(false), let s = node.layer as? ShortcutA {
                    s.setPadding(before: mask.prefix(before).filter { $0 }.count, after: mask.suffix(after).filter { $0 }.count)
                }
            case .other:
                break
            }
        }
    }

    private static func indices(_ mask: [Bool]) -> [Int] { mask.indices.filter { mask[$0] } }

    private static func sliceProducer(_ model: Model, _ node: Int, _ kept: [Int]) throws {
        switch model.nodes[node].layer {
        case let l as Linear:
            let (w, b) = (sliced(l.weight, axis: 0, kept, block: 1), l.bias.map { sliced($0, axis: 0, kept, block: 1) })
            l.resize(weight: w.value, bias: b?.value)
            restore(l.weight, w); if let p = l.bias, let b { restore(p, b) }
        case let c as Conv2d:
            let (w, b) = (sliced(c.weight, axis: 0, kept, block: 1), c.bias.map { sliced($0, axis: 0, kept, block: 1) })
            c.resize(weight: w.value, bias: b?.value)
            restore(c.weight, w); if let p = c.bias, let b { restore(p, b) }
        case let c as GeneralConv2d:
            let (w, b) = (sliced(c.weight, axis: 0, kept, block: 1), c.bias.map { sliced($0, axis: 0, kept, block: 1) })
            c.resize(weight: w.value, bias: b?.value, groups: c.groups)
            restore(c.weight, w); if let p = c.bias, let b { restore(p, b) }
        default:
            throw PruningError(.unsupportedModel, "\(model.nodes[node].name) is not a linear or conv layer and cannot be sliced")
        }
    }

    private static func sliceFollower(_ layer: Layer?, _ kept: [Int]) {
        guard let layer else { return }
        if let dw = layer as? GeneralConv2d {
            // Depthwise: one filter (and bias) per channel, and one group per channel.
            let (w, b) = (sliced(dw.weight, axis: 0, kept, block: 1), dw.bias.map { sliced($0, axis: 0, kept, block: 1) })
            dw.resize(weight: w.value, bias: b?.value, groups: kept.count)
            restore(dw.weight, w); if let p = dw.bias, let b { restore(p, b) }
            return
        }
        let saved = layer.parameters.map { sliced($0, axis: 0, kept, block: 1) }
        if let bn = layer as? BatchNorm { bn.keepChannels(kept) }
        else if let bn = layer as? SigmoidBatchNorm { bn.keepChannels(kept) }
        else if let ln = layer as? LayerNorm { ln.keepChannels(kept) }
        for (p, s) in zip(layer.parameters, saved) {
            if p.value.count != s.value.count { p.replace(with: s.value) }
            restore(p, s)
        }
    }

    private static func sliceConsumer(_ model: Model, _ node: Int, _ kept: [Int], block: Int) throws {
        switch model.nodes[node].layer {
        case let l as Linear:
            let w = sliced(l.weight, axis: 1, kept, block: block)
            l.resize(weight: w.value, bias: nil)
            restore(l.weight, w)
        case let conv as Conv2d:
            let w = sliced(conv.weight, axis: 1, kept, block: 1)
            conv.resize(weight: w.value, bias: nil)
            restore(conv.weight, w)
        case let conv as GeneralConv2d:
            let w = sliced(conv.weight, axis: 1, kept, block: 1)
            conv.resize(weight: w.value, bias: nil, groups: conv.groups)
            restore(conv.weight, w)
        default:
            throw PruningError(.unsupportedModel, "consumer \(model.nodes[node].name) is not a linear or conv layer and cannot be sliced")
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

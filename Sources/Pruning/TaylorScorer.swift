import Engine

/// First-order Taylor importance (Molchanov et al.): the loss change from zeroing a parameter is
/// about g*w, so a weight scores sum over batches of |g*w|. A unit scores the sum over batches of
/// |sum of g*w over everything that zeroes the unit|: its producer row (and bias) and, where a
/// BatchNorm follows, that channel's scale and shift (with BN in between the filter alone is
/// scale-invariant, so its g*w sums to about zero and the BN terms carry the signal).
///
/// Batches run in train mode (layers keep their inputs only then); BatchNorm running statistics
/// are saved first and restored after, and gradients are left zeroed, so scoring does not change
/// the model.
public struct TaylorScorer: Scorer {
    public let name = "taylor"
    public let needsData = true
    static let samples = ScorerOptions.samples(default: .first(512), help: "training samples the gradients are summed over")
    static let options = [samples.spec, ScorerOptions.batch.spec]
    public init() {}

    public func score(_ model: Model, data: Dataset?, options: ScoreOptions) throws -> ScoreSet {
        guard let data else { throw PruningError(.needsData, "taylor needs data: choose a dataset (data NAME) before score taylor") }
        guard data.sampleShape == model.inputShape else {
            throw PruningError(.needsData, "taylor: the data's samples have shape \(data.sampleShape) but the model expects \(model.inputShape)")
        }
        let samples = options.method[TaylorScorer.samples].count(of: data.count)
        let batchSize = options.method[ScorerOptions.batch]
        guard samples >= 1, batchSize >= 1 else {
            throw PruningError(.badOption, "taylor: samples=\(samples) and batch=\(batchSize) must be at least 1")
        }
        let subset = try data.prefix(samples)
        let structured = try BaselineScorers.structure(model, options)
        let buffers = model.parameters.filter { !$0.trainable }.map { ($0, $0.value.copy()) }
        defer {
            for (p, saved) in buffers where saved.count == p.value.count { p.value.copy(from: saved) }
            model.zeroGrad()
        }
        let prunable = PrunableWeights.of(model)
        var weightSums = prunable.map { [Double](repeating: 0, count: $0.value.count) }
        var unitSums = structured?.1.map { [Double](repeating: 0, count: $0.units) } ?? []
        let loss = SoftmaxCrossEntropy()
        let batches = try BatchIterator(subset, batchSize: batchSize, shuffle: false)
        while let batch = batches.next() {
            try options.cancellation?.check("scoring with taylor")
            model.zeroGrad()
            let logits = model.forward(batch.images, mode: .train)
            loss(logits, labels: batch.labels)
            guard let g = loss.gradient else { continue }
            model.backward(g)
            if let (_, groups) = structured {
                for (k, group) in groups.enumerated() { accumulateUnits(model, group, into: &unitSums[k]) }
            } else {
                for (k, p) in prunable.enumerated() {
                    let w = p.value.data, gp = p.grad.data
                    weightSums[k].withUnsafeMutableBufferPointer { s in
                        for i in 0..<p.value.count { s[i] += Double(abs(gp[i] * w[i])) }
                    }
                }
            }
        }
        var set = ScoreSet(method: name, granularity: options.granularity, normalization: .l2)
        if let (_, groups) = structured {
            for (k, group) in groups.enumerated() { set.units[group.name] = unitSums[k].map { Float($0) } }
        } else {
            for (k, p) in prunable.enumerated() { set.weights[p.name] = weightSums[k].map { Float($0) } }
        }
        return set
    }

    private func accumulateUnits(_ model: Model, _ group: PruningGroup, into sums: inout [Double]) {
        var perUnit = [Double](repeating: 0, count: group.units)
        func add(_ p: Parameter) {
            let fan = p.value.count / group.units, w = p.value.data, g = p.grad.data
            for u in 0..<group.units {
                var s: Double = 0
                for i in (u * fan)..<((u + 1) * fan) { s += Double(g[i]) * Double(w[i]) }
                perUnit[u] += s
            }
        }
        if let (w, b) = PrunableWeights.producerWeight(model, group) { add(w); if let b { add(b) } }
        for f in group.followers {
            if let bn = model.nodes[f].layer as? BatchNorm { add(bn.weight); add(bn.bias) }
        }
        for u in 0..<group.units { sums[u] += abs(perUnit[u]) }
    }
}

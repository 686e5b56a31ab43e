import Engine

/// Mutual-information preserving pruning (Westphal, Hailes, Musolesi, arXiv 2411.00147).
///
/// Layers are swept from the output back to the input. A layer's nodes predict its target, the
/// next layer's activations as already pruned (the logits for the last hidden layer); nodes are
/// tested from the least to the most individually informative, and a node is removed unless a
/// one-sided t-test over `repeats` held-out estimates is `confidence` sure that the loss without
/// it is higher. Removals accumulate within the layer. A node's score is its loss increase
/// relative to the loss of predicting nothing, at the moment it was tested (0 when removed);
/// the keep decisions go to `prune auto`.
public struct MIPPScorer: Scorer {
    public let name = "mipp"
    public let needsData = true
    public static let defaultSamples = 4096
    public static let defaultRepeats = 5
    public static let defaultConfidence = 0.95
    /// Loss increases below this fraction of the loss of predicting nothing count as a
    /// recovered loss: the t-test asks whether the increase exceeds it. It keeps exact copies
    /// (whose removal only costs the ridge's shrinkage) from being kept on a certain but
    /// negligible difference.
    public static let recoveryTolerance = 1e-5
    /// The same for `predictor=mlp`: a briefly refit network reproduces its loss only to about
    /// this fraction of the target's variance, so smaller increases are refit noise, not information.
    public static let networkRecoveryTolerance = 1e-3

    public init() {}

    public func score(_ model: Model, data: Dataset?, options: ScoreOptions) throws -> ScoreSet {
        let settings = try MIPPSettings(options)
        guard let data else { throw PruningError("mipp needs data: choose a dataset (data NAME) before score mipp") }
        guard data.sampleShape == model.inputShape else {
            throw PruningError("mipp: the data's samples have shape \(data.sampleShape) but the model expects \(model.inputShape)")
        }
        let plan = try MIPPPlan(model, granularity: options.granularity)
        let count = min(settings.samples, data.count)
        guard count >= 10 else {
            throw PruningError("mipp: \(count) samples are too few for held-out estimates; give samples=100 or more")
        }
        var rng = RandomStream(seed: options.seed, stream: "mipp.samples")
        let subset = try data.select(Array(rng.permutation(data.count).prefix(count)).sorted())
        let shapes = try model.shapes()
        let recorder = MIPPRecorder(nodes: plan.recordedNodes, shapes: shapes, samples: count,
                                    pooling: settings.pooling, seed: options.seed)
        recorder.record(model, subset, batchSize: max(options.batchSize, 1))

        var kept = plan.layers.map { [Bool](repeating: true, count: $0.group.units) }
        var scores = plan.layers.map { [Float](repeating: 0, count: $0.group.units) }
        for k in plan.layers.indices.reversed() {
            let problem = try plan.problem(k, recorder: recorder, kept: kept)
            let sweep = MIPPLayerSweep(problem: problem, settings: settings, seed: options.seed ^ UInt64(k) &* 0x9E37_79B9)
            (kept[k], scores[k]) = sweep.run()
        }
        var set = ScoreSet(method: name, granularity: options.granularity)
        for (k, layer) in plan.layers.enumerated() {
            set.units[layer.group.name] = scores[k]
            set.decisions[layer.group.name] = kept[k]
        }
        return set
    }
}

/// MIPP's options, checked.
struct MIPPSettings {
    enum Predictor: String { case linear, mlp }
    var predictor = Predictor.linear
    var pooling = MIPPPooling.avg
    var repeats = MIPPScorer.defaultRepeats
    var confidence = MIPPScorer.defaultConfidence
    var samples = MIPPScorer.defaultSamples
    var network = MIPPNetwork.Settings()

    init(_ o: ScoreOptions) throws {
        let own = "mipp reads predictor=, confidence=, repeats=, pool= and samples="
        for key in o.extra.keys.sorted() where !["confidence", "repeats"].contains(key) {
            throw PruningError("mipp does not read option \(key)=; \(own)")
        }
        for key in o.words.keys.sorted() where !["predictor", "pool"].contains(key) {
            throw PruningError("mipp does not read option \(key)=; \(own)")
        }
        if let w = o.words["predictor"] {
            guard let p = Predictor(rawValue: w) else {
                throw PruningError("mipp: predictor=\(w) is not known; use predictor=linear (ridge, default) or predictor=mlp")
            }
            predictor = p
        }
        if let w = o.words["pool"] {
            guard let p = MIPPPooling(rawValue: w) else {
                throw PruningError("mipp: pool=\(w) is not known; use pool=avg (default) or pool=sample")
            }
            pooling = p
        }
        if let r = o.extra["repeats"] {
            guard r == r.rounded(), r >= 2, r <= 100 else {
                throw PruningError("mipp: repeats=\(r) must be a whole number from 2 to 100 (a t-test needs two estimates)")
            }
            repeats = Int(r)
        }
        if let c = o.extra["confidence"] {
            guard c > 0, c < 1 else { throw PruningError("mipp: confidence=\(c) must lie strictly between 0 and 1, e.g. 0.95") }
            confidence = c
        }
        if let s = o.samples { samples = s }
        guard o.granularity.isStructured else {
            throw PruningError("mipp scores nodes, not single weights: use granularity=neurons (dense layers) or granularity=channels (convolutions)")
        }
    }
}

/// The node tests of one layer.
struct MIPPLayerSweep {
    let problem: MIPPProblem
    let settings: MIPPSettings
    let seed: UInt64

    /// Keep flags and scores of the layer's nodes.
    func run() -> ([Bool], [Float]) {
        let d = problem.inputs
        let information = problem.individualInformation()
        let order = (0..<d).sorted { information[$0] != information[$1] ? information[$0] < information[$1] : $0 < $1 }
        let predictors: [MIPPPredictor] = (0..<settings.repeats).map { r in
            let fold = MIPPFold(problem, validation: problem.validationSamples(repeat: r, seed: seed))
            switch settings.predictor {
            case .linear: return MIPPRidge(fold)
            case .mlp: return MIPPNetwork(fold, seed: seed &+ UInt64(r), settings: settings.network)
            }
        }
        let tolerance = settings.predictor == .mlp ? MIPPScorer.networkRecoveryTolerance : MIPPScorer.recoveryTolerance
        var kept = [Bool](repeating: true, count: d), scores = [Float](repeating: 0, count: d)
        var alive = d
        for i in order {
            let increases = predictors.map { p in
                p.nothingLoss > 0 ? (p.lossWithout(i) - p.loss) / p.nothingLoss : 0
            }
            let mean = increases.reduce(0, +) / Double(increases.count)
            let informative = MIPPTTest.exceeds(increases, margin: tolerance, confidence: settings.confidence)
            if informative || alive == 1 {
                // The last node of a layer always stays (no layer collapse); it ranks above removed ones.
                scores[i] = Float(max(mean, tolerance))
            } else {
                kept[i] = false
                alive -= 1
                for p in predictors { p.remove(i) }
            }
        }
        return (kept, scores)
    }
}

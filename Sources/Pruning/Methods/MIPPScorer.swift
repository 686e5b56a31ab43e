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
    static let predictor = MethodOption<MIPPSettings.Predictor>.choice(
        "predictor", default: .linear, help: "the model that estimates information") { predictor in
            switch predictor {
            case .linear: return "ridge regression with exact removal downdates"
            case .mlp: return "a one-hidden-layer MLP refit after each removal"
            }
        }
    static let confidence = MethodOption<Double>.fraction(
        "confidence", lowerOpen: true, upperOpen: true, default: 0.95,
        help: "keep a node when this confident it carries information")
    static let repeats = MethodOption<Int>.integer("repeats", 2...100, default: 5,
                                                   help: "repeated estimates per node (a t-test needs two)")
    static let pool = MethodOption<MIPPPooling>.choice("pool", default: .avg, help: "how conv channels are summarised") { pool in
        switch pool {
        case .avg: return "a channel enters the predictor spatially averaged"
        case .sample: return "as a few sampled positions"
        }
    }
    static let samples = ScorerOptions.samples(default: .first(4096), help: "training samples drawn for each repeat, or all")
    static let options = [predictor.spec, confidence.spec, repeats.spec, pool.spec, samples.spec, ScorerOptions.batch.spec]
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
        guard let data else { throw PruningError(.needsData, "mipp needs data: choose a dataset (data NAME) before score mipp") }
        guard data.sampleShape == model.inputShape else {
            throw PruningError(.needsData, "mipp: the data's samples have shape \(data.sampleShape) but the model expects \(model.inputShape)")
        }
        let plan = try MIPPPlan(model, granularity: options.granularity)
        let count = settings.samples.count(of: data.count)
        guard count >= 10 else {
            throw PruningError(.needsData, "mipp: \(count) samples are too few for held-out estimates; give samples=100 or more")
        }
        let draws = MIPPDraws(available: data.count, count: count, repeats: settings.repeats, seed: options.seed)
        let subset = try data.select(draws.union)
        let shapes = try model.shapes()
        let recorder = MIPPRecorder(nodes: plan.recordedNodes, shapes: shapes, samples: draws.union.count,
                                    pooling: settings.pooling, seed: options.seed)
        recorder.record(model, subset, batchSize: options.method[ScorerOptions.batch])

        var kept = plan.layers.map { [Bool](repeating: true, count: $0.group.units) }
        var scores = plan.layers.map { [Float](repeating: 0, count: $0.group.units) }
        for k in plan.layers.indices.reversed() {
            let problem = try plan.problem(k, recorder: recorder, kept: kept)
            let sweep = MIPPLayerSweep(problem: problem, settings: settings, draws: draws,
                                       seed: options.seed ^ UInt64(k) &* 0x9E37_79B9)
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
    enum Predictor: String, CaseIterable, Sendable { case linear, mlp }
    var predictor: Predictor
    var pooling: MIPPPooling
    var repeats: Int
    var confidence: Double
    var samples: SampleCount
    var network = MIPPNetwork.Settings()

    init(_ o: ScoreOptions) throws {
        predictor = o.method[MIPPScorer.predictor]
        pooling = o.method[MIPPScorer.pool]
        repeats = o.method[MIPPScorer.repeats]
        confidence = o.method[MIPPScorer.confidence]
        samples = o.method[MIPPScorer.samples]
        guard o.granularity.isStructured else {
            throw PruningError(.badOption, "mipp scores nodes, not single weights: use granularity=neurons (dense layers) or granularity=channels (convolutions)")
        }
    }
}

/// The node tests of one layer.
struct MIPPLayerSweep {
    let problem: MIPPProblem
    let settings: MIPPSettings
    /// Each repeat's own samples (as positions in the problem's samples).
    let draws: MIPPDraws
    let seed: UInt64

    /// The order MIPP tests nodes in: from the least to the most individually informative
    /// (ties by index), so a node is removed only while a more informative one can cover it.
    static func testingOrder(_ information: [Double]) -> [Int] {
        information.indices.sorted { information[$0] != information[$1] ? information[$0] < information[$1] : $0 < $1 }
    }

    /// Keep flags and scores of the layer's nodes.
    func run() -> ([Bool], [Float]) {
        let d = problem.inputs
        let order = MIPPLayerSweep.testingOrder(problem.individualInformation())
        let predictors: [MIPPPredictor] = draws.positions.indices.map { r in
            let (train, validation) = draws.split(repeat: r, seed: seed)
            let fold = MIPPFold(problem, train: train, validation: validation)
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

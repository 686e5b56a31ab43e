import Engine
import Foundation
import Language
import Pruning

/// `score METHOD`: computes importances of weights or units.
enum ScoreVerb {
    static let method = RequiredArgument<String>.text("method", .choice(Vocabulary.methods), help: "scoring method",
                                                      noun: "scoring method")
    static let granularity = VerbParameter<Granularity>.choice("granularity", default: .weights, noun: "granularity",
                                                               describe: Vocabulary.granularityHelp)
    static let samples = VerbParameter<Int?>.integer("samples", atLeast: 1,
                                                     help: "training samples the method looks at (default: the method's own)")
    static let p = VerbParameter<Int>.integer("p", 1...2, default: 1, help: "magnitude: norm of a unit's weights (1 or 2)")
    static let batch = VerbParameter<Int>.integer("batch", 1...65_536, default: 256,
                                                  help: "batch size of data-driven methods (larger batches stream faster)")

    static let signature = VerbSignature(
        "score", summary: "compute importance scores with a pruning method",
        arguments: [method.argument],
        options: [granularity.spec, samples.spec, p.spec, batch.spec] + methodOptions,
        resultFields: [ResultField("units", "number of scored weights or units"), ResultField("seconds", "time taken")],
        requires: ["model"], provides: ["scores"])

    /// Options of the published methods (docs/methods.md says which method reads which).
    static let methodOptions: [OptionSpec] = [
        OptionSpec("norm", .choice([Choice("share", "contribution: |w x| / (sum |w x| + |b|), bounded in [0, 1]"),
                                    Choice("preact", "contribution: |w x| / |a|, the paper's ratio")]),
                   help: "contribution: how a contribution is normalised (default share)", noun: "contribution norm"),
        OptionSpec("blind", .bool, help: "contribution: inactive units (ReLU blind range) contribute 0 (default true)"),
        OptionSpec("k", .number(min: Bound(0), max: nil), help: "contribution: score = mean + k * spread (default 1)"),
        OptionSpec("alpha", .fraction(lowerOpen: false, upperOpen: false),
                   help: "screening: weight of the F-statistic against magnitude (default 0.5)"),
        OptionSpec("predictor", .choice([Choice("linear", "mipp: ridge regression with exact removal downdates"),
                                         Choice("mlp", "mipp: a one-hidden-layer MLP refit after each removal")]),
                   help: "mipp: the model that estimates information (default linear)", noun: "predictor"),
        OptionSpec("confidence", .fraction(lowerOpen: true, upperOpen: true),
                   help: "mipp: keep a node when this confident it carries information (default 0.95)"),
        OptionSpec("repeats", .integer(min: 2, max: 100), help: "mipp: repeated estimates per node (default 5)"),
        OptionSpec("pool", .choice([Choice("avg", "mipp: a channel enters the predictor spatially averaged"),
                                    Choice("sample", "mipp: as a few sampled positions")]),
                   help: "mipp: how conv channels are summarised (default avg)", noun: "pooling"),
    ]

    /// Method options the script gave, split into numbers and words for ScoreOptions.
    static func methodValues(_ inv: VerbInvocation) -> (numbers: [String: Double], words: [String: String]) {
        var numbers: [String: Double] = [:], words: [String: String] = [:]
        for o in methodOptions where inv.givenOptions.contains(o.name) {
            switch inv.options[o.name] {
            case .number(let v)?: numbers[o.name] = v
            case .bool(let b)?: words[o.name] = b ? "true" : "false"
            case let v?: if let t = v.text { words[o.name] = t }
            case nil: break
            }
        }
        return (numbers, words)
    }

    /// What a `score` command asked for, kept so iterative pruning can score again each step.
    struct Request {
        var method: String
        var options: ScoreOptions
    }

    static func scorer(_ method: String) throws -> Scorer {
        if let s = MethodCatalog.scorer(method) { return s }
        throw VerbError("scoring method '\(method)' is not available yet in this version of prn",
                        help: "available now: \(MethodCatalog.availableScorers.joined(separator: ", "))")
    }

    static func run(_ inv: VerbInvocation, _ s: Session) throws -> Value {
        let model = try s.requireModel("score")
        let method = try inv[Self.method]
        let granularity = inv[Self.granularity]
        let (numbers, words) = methodValues(inv)
        var options = ScoreOptions(granularity: granularity, seed: RandomStream.stableHash(s.nextStream("score")) ^ s.seed,
                                   samples: inv[samples], batchSize: inv[batch], norm: inv[p],
                                   extra: numbers, words: words)
        options.cancellation = s.cancellation
        let request = Request(method: method, options: options)
        let t0 = Date()
        let scores = try compute(request, model: model, session: s)
        let seconds = Date().timeIntervalSince(t0)
        s.scores = scores
        s.scoreRequest = request
        let units = scores.granularity == .weights ? scores.weights.values.reduce(0) { $0 + $1.count }
                                                   : scores.units.values.reduce(0) { $0 + $1.count }
        s.say(String(format: "score %@: %d %@ scored in %.2fs", method, units, granularity.rawValue, seconds))
        s.logEvent("score", ["method": method, "granularity": granularity.rawValue, "units": units, "seconds": seconds])
        return .record(Record(["units": Double(units), "seconds": seconds]))
    }

    static func compute(_ r: Request, model: Model, session s: Session) throws -> ScoreSet {
        let scorer = try scorer(r.method)
        var data: Dataset?
        if scorer.needsData {
            guard let bundle = s.data else {
                throw VerbError("score \(r.method) looks at data", help: "choose a dataset first, e.g. 'data mnist'")
            }
            data = bundle.train
        }
        do { return try scorer.score(model, data: data, options: r.options) } catch let e as PruningError {
            throw VerbError("\(e)")
        }
    }
}

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

    static let signature = VerbSignature(
        "score", summary: "compute importance scores with a pruning method",
        arguments: [method.argument],
        options: [granularity.spec],
        resultFields: [ResultField("units", "number of scored weights or units"), ResultField("seconds", "time taken")],
        requires: ["model"], provides: ["scores"],
        variantSelector: method.name, variants: MethodCatalog.scoring.map(variant))

    /// A method's own options, and granularity narrowed to the ones it supports with its own default.
    static func variant(_ m: ScoringMethod) -> OptionVariant {
        var options = m.options.map(MethodOptions.spec)
        if m.granularities != Granularity.allCases || m.defaultGranularity != granularity.typedDefault {
            let choices = m.granularities.map { Choice($0.rawValue, Vocabulary.granularityHelp($0)) }
            options.insert(OptionSpec(granularity.name, .choice(choices), default: .word(m.defaultGranularity.rawValue),
                                      help: "\(m.name) scores " + m.granularities.map(\.rawValue).joined(separator: " or "),
                                      noun: granularity.noun), at: 0)
        }
        return OptionVariant(m.name, options: options, needs: MethodOptions.needs(m.needs))
    }

    /// What a `score` command asked for, kept so iterative pruning can score again each step.
    struct Request {
        var method: String
        var options: ScoreOptions
    }

    static func method(_ name: String) throws -> ScoringMethod {
        if let m = MethodCatalog.scoring(name) { return m }
        throw VerbError("scoring method '\(name)' is not available in this version of prn",
                        help: "available: \(MethodCatalog.scoring.map(\.name).joined(separator: ", "))")
    }

    static func run(_ inv: VerbInvocation, _ s: Session) throws -> Value {
        let model = try s.requireModel("score")
        let method = try inv[Self.method]
        let granularity = inv[Self.granularity]
        let catalogEntry = try Self.method(method)
        try checkTraining(catalogEntry, s)
        let values: MethodOptionValues
        var given = MethodOptions.given(inv, declared: catalogEntry.options)
        // A scoring pass holds activations and their gradients: its default batch shrinks for
        // models whose 256 samples would not fit the internal-batch memory.
        if catalogEntry.options.contains(where: { $0.name == ScorerOptions.batch.spec.name }), given[ScorerOptions.batch.spec.name] == nil {
            let bounded = InternalBatch.size(for: model, preferred: MethodOptionValues()[ScorerOptions.batch], factor: 3)
            if bounded < MethodOptionValues()[ScorerOptions.batch] { given[ScorerOptions.batch.spec.name] = .number(Double(bounded)) }
        }
        do { values = try catalogEntry.values(given) } catch let e as PruningError {
            throw VerbError("\(e)", cause: e)
        }
        var options = ScoreOptions(granularity: granularity, seed: RandomStream.stableHash(s.nextStream("score")) ^ s.seed,
                                   method: values)
        options.cancellation = s.cancellation
        let request = Request(method: method, options: options)
        let t0 = Date()
        let scores = try compute(request, model: model, session: s)
        let seconds = Date().timeIntervalSince(t0)
        s.modelState?.scores = ScoreState(scores: scores, request: request)
        let units = scores.granularity == .weights ? scores.weights.values.reduce(0) { $0 + $1.count }
                                                   : scores.units.values.reduce(0) { $0 + $1.count }
        s.say(String(format: "score %@: %d %@ scored in %.2fs", method, units, granularity.rawValue, seconds))
        s.logEvent(.score(.init(method: method, granularity: granularity.rawValue, units: units, seconds: seconds,
                                histogram: ReportEvents.histogram(scores))))
        return .record(Record(["units": Double(units), "seconds": seconds]))
    }

    /// A method whose publication trains with a penalty first (slimming: penalty=l1) refuses a
    /// model the session does not know was trained with it, so a plain |gamma| ranking is never
    /// reported under the method's name.
    static func checkTraining(_ m: ScoringMethod, _ s: Session) throws {
        guard let (penalty, otherwise) = m.requiresPenalty else { return }
        let trained = s.modelState?.variant ?? ""
        guard !trained.split(separator: " ").contains(Substring("penalty=\(penalty)")) else { return }
        let how = trained.isEmpty ? "was not trained with a penalty in this session or its file"
                                  : "was trained as '\(trained)'"
        throw VerbError("score \(m.name): the model \(how), not with penalty=\(penalty), which \(m.name) needs",
                        help: "train with 'train penalty=\(penalty)' first, or use 'score \(otherwise)' for the same score of a model trained without it")
    }

    static func compute(_ r: Request, model: Model, session s: Session) throws -> ScoreSet {
        let scorer = try method(r.method).scorer()
        var data: Dataset?
        if scorer.needsData {
            guard let bundle = s.data else {
                throw VerbError("score \(r.method) looks at data", help: "choose a dataset first, e.g. 'data mnist'")
            }
            data = bundle.train
        }
        do { return try scorer.score(model, data: data, options: r.options) } catch let e as PruningError {
            throw VerbError("\(e)", cause: e)
        }
    }
}

import Engine
import Foundation
import Language
import Pruning

/// `prune AMOUNT [SCOPE]`: removes the least important weights or units and reports requested
/// against realized sparsity, parameters, FLOPs and latency.
enum PruneVerb {
    static let amount = RequiredArgument<PruneAmount>(
        "amount", .oneOf([.fraction(lowerOpen: true, upperOpen: true), .choice([Choice("auto", "the method decides (mipp)")])]),
        help: "fraction of the prunable weights/units to remove, or auto",
        decode: { value in
            switch value {
            case .word("auto"): return .auto
            case .number(let v): return .ratio(v)
            default: return nil
            }
        })
    static let scope = VerbParameter<PruneScope>.choice("scope", default: .global, noun: "scope", describe: Vocabulary.scopeHelp)
    static let minKeep = VerbParameter<Int>.integer(
        "min_keep", atLeast: 1, default: 1, help: "units every layer keeps (the method may keep more: receding keeps 3)")
    static let steps = VerbParameter<Int>.integer("steps", 1...100, default: 1,
                                                  help: "prune in this many geometric steps, scoring again before each")
    static let latency = VerbParameter<Bool>.flag("latency", default: true, help: "time the model before and after (batch 256, fewer where the activations would take more than the internal-batch memory)")
    static let normalize = VerbParameter<ScoreNormalization?>.optionalChoice(
        "normalize", help: "put each layer's scores on one scale before a global ranking (default: the method's own)",
        noun: "normalization", describe: \.help)
    static let group = VerbParameter<GroupAggregation>.choice(
        "group", default: .mean, help: "how the scores of layers whose channels are tied (residual adds, depthwise convolutions) become one score per channel",
        noun: "group aggregation", describe: \.help)
    static let keepCoupled = VerbParameter<Bool>.flag(
        "keep_coupled", default: false,
        help: "leave channels tied across residual adds, shortcuts, concatenations, depthwise convolutions and squeeze-excite products whole")
    static let roundTo = VerbParameter<Int>.integer(
        "round_to", 1...1024, default: 1,
        help: "keep a multiple of this many channels in every group (8 suits vectorised kernels; 1 does not round)")
    static let minInputs = VerbParameter<Double>.number(
        "min_inputs", min: Bound(0), max: nil, default: 1,
        help: "warn when a layer keeps fewer weights per output unit than this")

    static let signature = VerbSignature(
        "prune", summary: "remove the least important weights or units",
        arguments: [amount.argument, scope.argument],
        options: [minKeep.spec, steps.spec, latency.spec, normalize.spec, group.spec, keepCoupled.spec, roundTo.spec, minInputs.spec],
        resultFields: [ResultField("sparsity", "realized fraction of the prunable weights/units removed"),
                       ResultField("requested", "requested fraction"),
                       ResultField("param_sparsity", "fraction of the original parameters gone or zero"),
                       ResultField("params", "parameters after pruning"), ResultField("nonzero", "non-zero parameters after"),
                       ResultField("flops", "dense FLOPs per sample after"), ResultField("flops_effective", "FLOPs skipping zero weights"),
                       ResultField("speedup", "latency before / after (1 when nothing was removed, 0 when not measured)")],
        requires: ["scores"], provides: ["pruned"])

    static func run(_ inv: VerbInvocation, _ s: Session) throws -> Value {
        let model = try s.requireModel("prune")
        guard let scored = s.modelState?.scores else {
            throw VerbError("prune needs scores", help: "run 'score METHOD' first (a load, or a restore of a checkpoint taken before scoring, leaves the model without scores)")
        }
        let scores = scored.scores, scoreRequest = scored.request
        // The allocator raises min_keep to the scores' own floor (receding keeps 3).
        let request = PruneRequest(amount: try inv[amount], scope: inv[scope], minKeep: inv[minKeep],
                                   normalization: inv[normalize], minInputsPerUnit: inv[minInputs],
                                   groupAggregation: inv[group], keepCoupled: inv[keepCoupled], roundTo: inv[roundTo])
        // Sized from the model before pruning, and used again after it, so the two compare.
        var latency: LatencyOptions? = inv[Self.latency] ? LatencyOptions.bounded(for: model) : nil
        latency?.cancellation = s.cancellation
        let steps = inv[Self.steps]
        var report: PruningReport
        do {
            if steps > 1 {
                let reports = try Pruner.pruneIteratively(model, request: request, steps: steps, latency: latency,
                                                          score: { try ScoreVerb.compute(scoreRequest, model: $0, session: s) },
                                                          between: { step, r in s.detail(r.text) })
                guard let last = reports.last else { throw VerbError("prune made no steps") }
                report = last
            } else {
                report = try Pruner.prune(model, scores: scores, request: request, latency: latency)
            }
        } catch let e as PruningError {
            throw VerbError("\(e)", cause: e)
        }
        // Structured surgery changed shapes: the old scores no longer describe the model.
        if scores.granularity.isStructured { s.modelState?.scores = nil }
        s.modelState?.lastPruning = report
        // Verbose shows the whole report (it holds the summary's numbers and the notes too).
        if s.verbosity >= .verbose { s.detail(report.text) } else { s.say(([report.summary] + report.notes).joined(separator: "\n")) }
        let speedup = report.speedup ?? 0
        let fields: [(String, Double)] = [
            ("sparsity", report.realizedSparsity), ("requested", report.requested ?? report.realizedSparsity),
            ("param_sparsity", report.parameterSparsity), ("params", Double(report.after.parameters)),
            ("nonzero", Double(report.after.nonZeroParameters)), ("flops", Double(report.after.flopsDense)),
            ("flops_effective", Double(report.after.flopsEffective)), ("speedup", speedup),
        ]
        func listed(_ layers: [String]) -> [String]? { layers.isEmpty ? nil : layers }
        s.logEvent(.prune(.init(
            method: report.method, granularity: report.granularity.rawValue, scope: report.scope,
            requested: report.requested ?? report.realizedSparsity, sparsity: report.realizedSparsity,
            paramSparsity: report.parameterSparsity, params: Double(report.after.parameters),
            nonzero: Double(report.after.nonZeroParameters), flops: Double(report.after.flopsDense),
            flopsEffective: Double(report.after.flopsEffective), speedup: speedup, layers: ReportEvents.layers(report),
            heldWhole: listed(report.heldWhole), heldAtMinKeep: listed(report.heldAtMinKeep),
            cutToMinKeep: listed(report.cutToMinKeep), normalize: report.normalization,
            starved: listed(report.starved))))
        return .record(Record(fields.map { ($0.0, Value.number($0.1)) }))
    }
}

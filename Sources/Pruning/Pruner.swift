import Engine
import Foundation

/// One-shot and iterative pruning: scores + request -> keep-set -> surgery -> report.
public enum Pruner {
    /// Prunes `model` in place and reports what changed. `latency` nil skips the timing runs.
    @discardableResult
    public static func prune(_ model: Model, scores: ScoreSet, request: PruneRequest,
                             latency: LatencyOptions? = nil) throws -> PruningReport {
        try prune(model, scores: scores, request: request, latency: latency, step: 1, steps: 1, baseline: nil)
    }

    /// Prunes in `steps` geometric steps toward `request`: after step s of N the model keeps
    /// (1 - r)^(s/N) of the prunable weights/units of the model as it was before step 1.
    /// `score` is called before every step on the current (already pruned) model, because
    /// structured steps change the shapes the scores refer to; `between` runs after every step
    /// but the last (fine-tuning goes there). Reports compare each step with the original model.
    public static func pruneIteratively(_ model: Model, request: PruneRequest, steps: Int, latency: LatencyOptions? = nil,
                                        score: (Model) throws -> ScoreSet,
                                        between: (Int, PruningReport) throws -> Void = { _, _ in }) throws -> [PruningReport] {
        guard steps >= 1 else { throw PruningError(.badOption, "prune: steps=\(steps) must be at least 1") }
        guard case .ratio(let target) = request.amount else {
            throw PruningError(.badOption, "prune auto decides its own amount and cannot be split into steps; drop steps= or give a fraction")
        }
        try request.validate()
        let first = try score(model)
        let structure = try StructureAnalysis(model, keepCoupled: request.keepCoupled)
        var reference = [String: Int]()
        if first.granularity.isStructured {
            _ = try structure.requireGroups(first.granularity)
            for g in structure.channelGroups(first.granularity) { reference[g.name] = g.prunableUnits }
        } else {
            for p in PrunableWeights.of(model) { reference[p.name] = p.value.count }
        }
        let baseline = try Baseline(model, first.granularity, structure: structure, latency: latency)
        var reports = [PruningReport]()
        var scores = first
        for s in 1...steps {
            if s > 1 { scores = try score(model) }
            guard scores.granularity == first.granularity else {
                throw PruningError(.badOption, "prune steps: step \(s) scored \(scores.granularity.rawValue) but step 1 scored \(first.granularity.rawValue); keep one granularity")
            }
            var r = request
            r.amount = .ratio(1 - Foundation.pow(1 - target, Double(s) / Double(steps)))
            r.reference = reference
            let report = try prune(model, scores: scores, request: r, latency: latency, step: s, steps: steps, baseline: baseline)
            reports.append(report)
            if s < steps { try between(s, report) }
        }
        return reports
    }

    /// The model before the first step: its measurement and prunable size.
    private struct Baseline {
        var measurement: ModelMeasurement
        var prunable: Int
        /// Every group's channels before the first step (what the report's kept/total refers to).
        var groupTotals: [String: Int] = [:]
        init(_ model: Model, _ granularity: Granularity, structure: StructureAnalysis, latency: LatencyOptions?) throws {
            measurement = try ModelMeasurement.measure(model, latency: latency)
            prunable = try Pruner.prunableCount(model, granularity, structure)
            if granularity.isStructured { for g in structure.channelGroups(granularity) { groupTotals[g.name] = g.units } }
        }
    }

    private static func prune(_ model: Model, scores: ScoreSet, request: PruneRequest, latency: LatencyOptions?,
                              step: Int, steps: Int, baseline: Baseline?) throws -> PruningReport {
        let structure = try StructureAnalysis(model, keepCoupled: request.keepCoupled)
        let keep = try Allocator.allocate(model, scores: scores, request: request, structure: structure)
        let heldWhole = try Self.heldWhole(model, scores.granularity, structure, minKeep: Swift.max(request.minKeep, scores.minKeep ?? 1))
        let start = try baseline ?? Baseline(model, scores.granularity, structure: structure, latency: latency)
        try Surgery.apply(keep, to: model, structure: structure)
        let after = try ModelMeasurement.measure(model, latency: latency)
        let structureAfter = try StructureAnalysis(model, keepCoupled: request.keepCoupled)
        let requested: Double?
        let scope: String
        switch request.amount {
        case .ratio(let r):
            requested = r
            scope = request.scope.rawValue
        case .auto:
            requested = nil
            scope = "auto"
        }
        return PruningReport(method: scores.method, granularity: scores.granularity, scope: scope, requested: requested,
                             minKeep: request.minKeep, step: step, steps: steps, prunableBefore: start.prunable,
                             prunableAfter: try prunableCount(model, scores.granularity, structureAfter, nonZero: true),
                             before: start.measurement, after: after,
                             fixed: structure.fixed.filter { !$0.reachesOutput }.map { "\($0.name) (\($0.reason))" },
                             groups: scores.granularity.isStructured
                                ? GroupSummary.list(before: structure, totals: start.groupTotals, after: structureAfter, scores.granularity) : nil,
                             groupAggregation: scores.granularity.isStructured ? request.groupAggregation.rawValue : nil,
                             heldWhole: requested.map { $0 > 0 } == true ? heldWhole : [],
                             normalization: request.normalization(for: scores).rawValue,
                             minInputsPerUnit: request.minInputsPerUnit)
    }

    /// Layers whose prunable size (unmasked weights, or units) is no more than `minKeep`.
    static func heldWhole(_ model: Model, _ g: Granularity, _ structure: StructureAnalysis, minKeep: Int) throws -> [String] {
        if g.isStructured { return structure.channelGroups(g).filter { $0.prunableUnits <= minKeep }.map(\.name) }
        return PrunableWeights.of(model).filter { p in
            guard let m = p.mask, m.count == p.value.count else { return p.value.count <= minKeep }
            var kept = 0
            for i in 0..<m.count where m[i] != 0 { kept += 1 }
            return kept <= minKeep
        }.map(\.name)
    }

    /// Prunable weights (non-zero ones when asked) or prunable channels of the groups.
    static func prunableCount(_ model: Model, _ g: Granularity, _ structure: StructureAnalysis, nonZero: Bool = false) throws -> Int {
        if g.isStructured { return structure.channelGroups(g).reduce(0) { $0 + $1.prunableUnits } }
        return PrunableWeights.of(model).reduce(0) { acc, p in
            guard nonZero else { return acc + p.value.count }
            guard let m = p.mask, m.count == p.value.count else { return acc + p.value.count }
            var kept = 0
            for i in 0..<m.count where m[i] != 0 { kept += 1 }
            return acc + kept
        }
    }
}

import Foundation

/// Requested against realized, before against after: what one `prune` did to a model.
public struct PruningReport: Sendable, Codable, Equatable {
    public var method: String
    public var granularity: Granularity
    /// "global", "local", "uniform" or "auto".
    public var scope: String
    /// The requested fraction of the prunable weights/units; nil for `auto`.
    public var requested: Double?
    public var minKeep: Int
    /// 1-based step of an iterative schedule, and the number of steps.
    public var step: Int
    public var steps: Int
    /// Prunable weights (weights granularity) or units of the prunable groups, before and after.
    public var prunableBefore: Int
    public var prunableAfter: Int
    public var before: ModelMeasurement
    public var after: ModelMeasurement
    /// Producers left whole, with the reason ("layer1.0.conv2: residual join ...").
    public var fixed: [String]
    /// Dependency groups (structured pruning): what was tied and what each kept; nil for weights.
    public var groups: [GroupSummary]?
    /// How members' scores were combined per tied channel (`group=`); nil for weights.
    public var groupAggregation: String?
    /// Layers (parameter names for weights, group names for units) no larger than `min_keep`,
    /// so it kept them whole whatever the request asked.
    public var heldWhole: [String] = []
    /// The score normalisation `global` allocation used ("none", "mean", ...).
    public var normalization: String = ScoreNormalization.none.rawValue
    /// The report names layers keeping fewer weights per output unit than this.
    public var minInputsPerUnit: Double = 1

    /// Weights kept per output unit, by layer (every linear/conv layer, in graph order): a layer
    /// below one input per unit has units that read nothing, the sign of a starved layer.
    public var inputsPerUnit: [(name: String, value: Double)] {
        after.layers.filter { $0.weights > 0 }.map { ($0.name, Double($0.nonZeroWeights) / Double(Swift.max($0.width, 1))) }
    }

    /// Layers whose kept weights per output unit fell below `minInputsPerUnit`.
    public var starved: [String] {
        guard !modelUnchanged else { return [] }
        return inputsPerUnit.filter { $0.value < minInputsPerUnit }.map(\.name)
    }

    /// What every layer kept: "fc1 3,065/235,200 weights (10.2 per unit)" or "conv1 3/6 channels".
    public var keptPerLayer: String {
        let old = widthsBefore
        let parts = after.layers.filter { $0.weights > 0 }.map { l -> String in
            if granularity == .weights {
                let perUnit = Double(l.nonZeroWeights) / Double(Swift.max(l.width, 1))
                return "\(l.name) \(Format.count(l.nonZeroWeights))/\(Format.count(l.weights)) (\(String(format: "%.1f", perUnit))/unit)"
            }
            return "\(l.name) \(l.width)/\(old[l.name] ?? l.width)"
        }
        return "  kept per layer: " + parts.joined(separator: ", ")
    }

    /// Fraction of the prunable weights/units removed (compare with `requested`).
    public var realizedSparsity: Double {
        prunableBefore == 0 ? 0 : 1 - Double(prunableAfter) / Double(prunableBefore)
    }
    /// Fraction of the original parameters that are gone or zero.
    public var parameterSparsity: Double {
        before.parameters == 0 ? 0 : 1 - Double(after.nonZeroParameters) / Double(before.parameters)
    }

    /// Layers held at `min_keep`, listed when the realized fraction falls short of the request by
    /// more than one unit per layer (structured pruning): the reason the two differ, which the
    /// report states instead of leaving the user to find it.
    public var heldAtMinKeep: [String] {
        guard let r = requested else { return [] }
        let cut = cutToMinKeep
        guard !cut.isEmpty else { return [] }
        let old = widthsBefore
        let pruned = after.layers.filter { (old[$0.name] ?? 0) > $0.width }.count
        let removed = Double(prunableBefore - prunableAfter)
        return r * Double(prunableBefore) - removed >= Double(pruned) ? cut : []
    }

    /// Layers structured pruning cut down to exactly `min_keep` units.
    public var cutToMinKeep: [String] {
        guard granularity != .weights else { return [] }
        let old = widthsBefore
        return after.layers.filter { (old[$0.name] ?? 0) > minKeep && $0.width == minKeep }.map(\.name)
    }

    private var widthsBefore: [String: Int] {
        Dictionary(before.layers.map { ($0.name, $0.width) }, uniquingKeysWith: { a, _ in a })
    }

    /// Nothing was removed: no weight became zero and no layer lost a unit (a request below one
    /// unit per layer, or min_keep holding every layer whole).
    public var modelUnchanged: Bool {
        before.parameters == after.parameters && before.nonZeroParameters == after.nonZeroParameters
            && before.layers.map(\.width) == after.layers.map(\.width)
    }

    /// Latency before / after; 1 for a model that did not change (any difference is noise), nil
    /// when latency was not measured.
    public var speedup: Double? {
        guard let a = before.latencyMs, let b = after.latencyMs else { return nil }
        return modelUnchanged ? 1 : a / max(b, 1e-9)
    }

    private var headline: String {
        // `prune auto` has no scope of its own: the method decided what every layer keeps.
        let amount = requested.map { "\(Format.percent($0)) \(scope)" } ?? "auto"
        let stepText = steps > 1 ? ", step \(step)/\(steps)" : ""
        let scale = normalization == ScoreNormalization.none.rawValue || scope != "global" ? "" : " normalized by \(normalization)"
        return "prune \(amount), \(granularity.rawValue), scores: \(method)\(scale), min_keep \(minKeep)\(stepText)"
    }

    /// One line: what was asked and what it did to size, FLOPs and latency.
    public var summary: String {
        if modelUnchanged { return headline + ": model unchanged, nothing removed (no speedup)" }
        var parts = ["realized \(Format.percent(realizedSparsity))",
                     "parameters \(Format.count(before.parameters)) -> \(Format.count(after.parameters))"
                         + (after.nonZeroParameters < after.parameters ? " (\(Format.count(after.nonZeroParameters)) non-zero)" : ""),
                     "effective FLOPs \(Format.si(before.flopsEffective)) -> \(Format.si(after.flopsEffective))"]
        if let a = before.latencyMs, let b = after.latencyMs { parts.append("latency \(Format.ratio(a, b)) faster") }
        return headline + ": " + parts.joined(separator: ", ")
    }

    /// What every layer kept, why the result differs from the request, and warnings: shown at
    /// every output level, so a starved layer is visible without `--verbose`.
    public var notes: [String] {
        let unitWord = granularity == .weights ? "weights" : granularity.rawValue
        var lines = [String]()
        let held = heldAtMinKeep, cut = cutToMinKeep
        if !modelUnchanged { lines.append(keptPerLayer) }
        lines += groupLines
        let starving = starved
        if !starving.isEmpty {
            let values = Dictionary(inputsPerUnit.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
            let list = starving.map { "\($0) (\(String(format: "%.2f", values[$0] ?? 0)) per unit)" }.joined(separator: ", ")
            lines.append("  warning: \(list) kept fewer than \(String(format: "%g", minInputsPerUnit)) weight(s) per output unit, so some units read nothing; "
                         + "scores of different layers may not be on one scale (normalize=\(normalization) was used): another normalize=, or scope=local, spreads the cut")
        }
        if !heldWhole.isEmpty {
            let layers = heldWhole.joined(separator: ", ")
            if let r = requested, r * Double(prunableBefore) - Double(prunableBefore - prunableAfter) >= 1 {
                lines.append("  short of the request: min_keep \(minKeep) is at least the size of \(layers), so they were kept whole; "
                             + "realized \(Format.percent(realizedSparsity)) of the requested \(Format.percent(r)) (a lower min_keep prunes further)")
            } else {
                lines.append("  min_keep \(minKeep) is at least the size of \(layers), so they were kept whole")
            }
        }
        if !held.isEmpty {
            lines.append("  short of the request: min_keep \(minKeep) holds \(held.joined(separator: ", ")) at \(minKeep) \(unitWord) (a lower min_keep prunes further)")
        } else if !cut.isEmpty && scope == "global" {
            // One threshold across layers compares their scores directly; when their scales
            // differ (row norms of different fan-in), a whole layer can fall below it.
            lines.append("  warning: the global threshold cut \(cut.joined(separator: ", ")) to min_keep (\(minKeep) \(unitWord)); "
                         + "scores of different layers may not be comparable: scope=local ranks within each layer, a larger min_keep keeps more")
        }
        return lines
    }

    /// One line per coupled group (several producers, or channels through adds, shortcuts,
    /// concatenations or depthwise convolutions): its channels kept of its total, and its layers.
    public var groupLines: [String] {
        let coupled = (groups ?? []).filter(\.coupled)
        guard !coupled.isEmpty else { return [] }
        var lines = ["  coupled groups (channels kept/total, scores combined by group=\(groupAggregation ?? GroupAggregation.mean.rawValue)):"]
        for g in coupled {
            let ties = g.joins.isEmpty ? "" : ", tied by \(g.joins.count <= 4 ? g.joins.joined(separator: ", ") : g.joins.prefix(3).joined(separator: ", ") + " and \(g.joins.count - 3) more")"
            lines.append("    \(g.name): \(g.kept)/\(g.total)\(g.fixed > 0 ? " (\(g.fixed) must stay)" : "") — \(g.members.joined(separator: ", "))\(ties)")
        }
        return lines
    }

    /// A human rendering: a summary, then the per-layer table.
    public var text: String {
        let unitWord = granularity == .weights ? "weights" : granularity.rawValue
        var lines = [headline]
        if modelUnchanged { lines.append("  model unchanged: nothing was removed, so there is no speedup") }
        lines.append("  \(unitWord): requested \(requested.map { Format.percent($0) } ?? "auto"), realized \(Format.percent(realizedSparsity)) (\(Format.count(prunableBefore)) -> \(Format.count(prunableAfter)) prunable)")
        lines.append("  parameters: \(Format.count(before.parameters)) -> \(Format.count(after.parameters)), non-zero \(Format.count(after.nonZeroParameters)) (\(Format.percent(parameterSparsity)) removed)")
        lines.append("  FLOPs: dense \(Format.si(before.flopsDense)) -> \(Format.si(after.flopsDense)), effective \(Format.si(after.flopsEffective)) (\(Format.ratio(Double(before.flopsDense), Double(after.flopsEffective))) fewer)")
        if !modelUnchanged, let a = before.latencyMs, let b = after.latencyMs, let batch = after.latencyBatch {
            lines.append("  latency: \(Format.ms(a)) -> \(Format.ms(b)) per batch of \(batch) (\(Format.ratio(a, b)) faster)")
        }
        lines += notes
        lines.append(SparsityTable.render(after, before: before))
        if !fixed.isEmpty { lines.append("  left whole: " + fixed.joined(separator: "; ")) }
        return lines.joined(separator: "\n")
    }
}

/// The per-layer table of `show sparsity` and pruning reports.
public enum SparsityTable {
    public static func render(_ now: ModelMeasurement, before: ModelMeasurement? = nil) -> String {
        let old = Dictionary((before?.layers ?? []).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var rows = [["layer", "kind", "width", "params", "non-zero", "sparsity", "MACs", "eff. MACs"]]
        for l in now.layers {
            let width = old[l.name].map { $0.width == l.width ? "\(l.width)" : "\($0.width) -> \(l.width)" } ?? "\(l.width)"
            rows.append([l.name, l.kind, width, Format.count(l.parameters), Format.count(l.nonZero),
                         Format.percent(l.sparsity), Format.si(l.macsDense), Format.si(l.macsEffective)])
        }
        // Sparsity columns are of linear/conv weights (what masks act on); biases and norms are
        // counted in params and non-zero only.
        let weights = now.layers.reduce(0) { $0 + $1.weights }, nonZeroWeights = now.layers.reduce(0) { $0 + $1.nonZeroWeights }
        rows.append(["total", "", "", Format.count(now.parameters), Format.count(now.nonZeroParameters),
                     Format.percent(weights == 0 ? 0 : 1 - Double(nonZeroWeights) / Double(weights)),
                     Format.si(now.macsDense), Format.si(now.macsEffective)])
        let widths = rows[0].indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { c, cell in
                c < 2 ? cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                      : String(repeating: " ", count: widths[c] - cell.count) + cell
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}

enum Format {
    static func percent(_ x: Double) -> String { String(format: "%.1f%%", x * 100) }
    static func ms(_ x: Double) -> String { String(format: "%.2f ms", x) }
    static func ratio(_ a: Double, _ b: Double) -> String { b > 0 ? String(format: "%.2fx", a / b) : "-" }
    static func count(_ n: Int) -> String {
        let digits = Array(String(n))
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(d)
        }
        return out
    }
    static func si(_ n: Int) -> String {
        let x = Double(n)
        if x >= 1e9 { return String(format: "%.2fG", x / 1e9) }
        if x >= 1e6 { return String(format: "%.2fM", x / 1e6) }
        if x >= 1e3 { return String(format: "%.1fK", x / 1e3) }
        return "\(n)"
    }
}

/// One dependency group in a report: its layers, what tied them, and channels kept of the total.
public struct GroupSummary: Sendable, Codable, Equatable {
    public var name: String
    public var members: [String]
    public var joins: [String]
    public var total: Int
    public var kept: Int
    /// Channels that could not be removed (they reach the output or an unsliceable layer).
    public var fixed: Int
    public var coupled: Bool

    static func list(before: StructureAnalysis, totals: [String: Int], after: StructureAnalysis, _ g: Granularity) -> [GroupSummary] {
        before.channelGroups(g).map { cg in
            let now = after.channelGroup(named: cg.name)
            return GroupSummary(name: cg.name, members: cg.members, joins: cg.joins, total: totals[cg.name] ?? cg.units,
                                kept: now?.units ?? cg.units, fixed: cg.units - cg.prunableUnits, coupled: cg.isCoupled)
        }
    }
}

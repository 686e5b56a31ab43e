import Engine

/// How a requested fraction is spread over layers.
public enum PruneScope: String, Sendable, Codable, CaseIterable {
    /// One ranking across all layers, after each layer's scores are put on one scale by the
    /// request's `ScoreNormalization` (the method's default unless the script names one): layers
    /// whose normalised scores are small lose more (the fraction per layer varies; `min_keep`
    /// still guards every layer).
    /// Receding and slimming scores use their publications' quantile threshold (see
    /// `ScoreSet.quantileThreshold`).
    case global
    /// The same fraction in every layer, ranked by the method's scores within each layer.
    case local
    /// The per-layer uniform baseline of the literature: the same fraction in every layer, ranked
    /// by weight magnitude within each layer (|w| for weights, the L1 norm of a unit's filter/row
    /// for units), whatever method produced the scores. It differs from `local` only in ignoring
    /// the scores, so it is the yardstick for how much a method's ranking adds.
    case uniform
}

/// How much to prune: a fraction of the prunable weights/units, or `auto` for methods that decide
/// by themselves (their ScoreSet carries keep decisions).
public enum PruneAmount: Sendable, Equatable, Codable {
    case ratio(Double)
    case auto
}

public struct PruneRequest: Sendable {
    public var amount: PruneAmount
    public var scope: PruneScope
    /// Units (or weights) every layer keeps at least; methods may raise it (receding uses 3).
    public var minKeep: Int
    /// Sizes the ratio refers to, by group name (units) or parameter name (weights); nil means the
    /// current model. Iterative schedules pass the sizes before their first step, so the final
    /// step lands on the requested fraction of the original model.
    public var reference: [String: Int]?
    /// How scores are put on one scale per layer before a `global` ranking; nil uses the
    /// scores' own default (`ScoreSet.normalization`, chosen by the method).
    public var normalization: ScoreNormalization?
    /// The report warns about layers that keep fewer weights per output unit than this.
    public var minInputsPerUnit: Double
    /// How a dependency group's members' scores become one score per tied channel.
    public var groupAggregation: GroupAggregation
    /// Leave channels tied across residual adds, shortcuts, concatenations, depthwise
    /// convolutions and squeeze-excite products whole (only single, uncoupled producers are pruned).
    public var keepCoupled: Bool
    /// Structured pruning keeps a multiple of this many channels in every group (or the whole
    /// group when it has fewer): vectorised kernels (onnxruntime's, prn's) run fastest on
    /// channel counts that fill their registers. 1 leaves counts as the ranking gives them.
    public var roundTo: Int

    public init(amount: PruneAmount, scope: PruneScope = .global, minKeep: Int = 1, reference: [String: Int]? = nil,
                normalization: ScoreNormalization? = nil, minInputsPerUnit: Double = 1,
                groupAggregation: GroupAggregation = .mean, keepCoupled: Bool = false, roundTo: Int = 1) {
        self.groupAggregation = groupAggregation
        self.keepCoupled = keepCoupled
        self.roundTo = roundTo
        self.amount = amount
        self.scope = scope
        self.minKeep = minKeep
        self.reference = reference
        self.normalization = normalization
        self.minInputsPerUnit = minInputsPerUnit
    }

    /// The normalisation this request applies to `scores`.
    public func normalization(for scores: ScoreSet) -> ScoreNormalization {
        normalization ?? scores.normalization
    }

    func validate() throws {
        if case .ratio(let r) = amount, !(r >= 0 && r < 1) {
            throw PruningError(.badOption, "prune: amount \(r) must be a fraction in [0, 1), e.g. 0.5 or 50%")
        }
        guard minKeep >= 1 else {
            throw PruningError(.badOption, "prune: min_keep=\(minKeep) must be at least 1 (a layer is never emptied)")
        }
        guard minInputsPerUnit.isFinite, minInputsPerUnit >= 0 else {
            throw PruningError(.badOption, "prune: min_inputs=\(minInputsPerUnit) must be a number >= 0 (1 warns below one weight per unit)")
        }
        guard roundTo >= 1 else {
            throw PruningError(.badOption, "prune: round_to=\(roundTo) must be at least 1 (1 does not round; 8 keeps multiples of 8 channels)")
        }
    }
}

/// What survives: per weight (true = keep) by parameter name, or kept unit indices (ascending) by
/// group name.
public struct KeepSet: Sendable, Equatable {
    public var granularity: Granularity
    public var weights: [String: [Bool]] = [:]
    public var units: [String: [Int]] = [:]

    public init(granularity: Granularity, weights: [String: [Bool]] = [:], units: [String: [Int]] = [:]) {
        self.granularity = granularity
        self.weights = weights
        self.units = units
    }
}

/// Turns scores and a request into a keep-set. Ties are broken deterministically: among equal
/// scores the earlier layer and the lower index are kept.
public enum Allocator {
    public static func allocate(_ model: Model, scores: ScoreSet, request: PruneRequest,
                                structure: StructureAnalysis) throws -> KeepSet {
        try request.validate()
        try scores.validate(against: model, structure: structure)
        var request = request
        request.minKeep = max(request.minKeep, scores.minKeep ?? 1)
        if case .auto = request.amount, !scores.decides {
            throw PruningError(.badOption, "prune auto: '\(scores.method)' does not decide by itself which units to keep; give a fraction instead, e.g. prune 0.5 global")
        }
        if request.roundTo > 1 && !scores.granularity.isStructured {
            throw PruningError(.badOption, "prune: round_to=\(request.roundTo) rounds channel and neuron counts; '\(scores.method)' scored single weights (drop round_to, or score with granularity=channels)")
        }
        return scores.granularity.isStructured
            ? try allocateUnits(model, scores, request, structure)
            : allocateWeights(model, scores, request)
    }

    private static func allocateWeights(_ model: Model, _ scores: ScoreSet, _ request: PruneRequest) -> KeepSet {
        let params = PrunableWeights.of(model)
        // Weights already masked stay pruned: iterative pruning only ever removes more.
        let eligible = params.map { p -> [Bool] in
            guard let m = p.mask, m.count == p.value.count else { return [Bool](repeating: true, count: p.value.count) }
            return (0..<m.count).map { m[$0] != 0 }
        }
        let normalization = request.normalization(for: scores)
        let ranking: [[Float]] = params.indices.map { i in
            let p = params[i]
            if request.scope == .uniform { return p.value.array.map { abs($0) } }
            return normalization.apply(scores.weights[p.name] ?? [], eligible: eligible[i])
        }
        let sizes = params.map { request.reference?[$0.name] ?? $0.value.count }
        let keep = select(ranking, eligible: eligible, sizes: sizes, scores: scores, keys: params.map(\.name), request: request)
        var set = KeepSet(granularity: .weights)
        for (p, k) in zip(params, keep) { set.weights[p.name] = k }
        return set
    }

    /// Units are ranked per `ChannelGroup`: members' scores aggregated per tied channel
    /// (`request.groupAggregation`), then normalised per group. Every member keeps at least
    /// `min_keep` of its units (its best by the group's ranking); channels that must stay are kept
    /// and not counted. The keep-set lists each member's kept units.
    private static func allocateUnits(_ model: Model, _ scores: ScoreSet, _ request: PruneRequest,
                                      _ structure: StructureAnalysis) throws -> KeepSet {
        let members = Dictionary(try structure.requireGroups(scores.granularity).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let groups = structure.channelGroups(scores.granularity)
        let normalization = request.normalization(for: scores)
        let ranking: [[Float]] = groups.map { cg in
            var perMember = [String: [Float]]()
            for m in cg.members {
                if request.scope == .uniform {
                    if let g = members[m], let w = PrunableWeights.producerWeight(model, g)?.weight { perMember[m] = UnitNorms.rows(w.value, p: 1) }
                } else {
                    perMember[m] = scores.units[m]
                }
            }
            let combined = request.groupAggregation.combine(perMember, channelOf: cg.channelOf, units: cg.units)
            return request.scope == .uniform ? combined : normalization.apply(combined, eligible: cg.prunable)
        }
        let eligible = groups.map(\.prunable)
        let sizes = groups.map { request.reference?[$0.name] ?? $0.prunableUnits }
        // Keep decisions (prune auto): a tied channel stays when any member keeps it.
        var decisions = [String: [Bool]]()
        for cg in groups {
            var decided: [Bool]?
            for (m, channels) in cg.channelOf {
                guard let d = scores.decisions[m], d.count == channels.count else { continue }
                if decided == nil { decided = [Bool](repeating: false, count: cg.units) }
                for (u, c) in channels.enumerated() where d[u] { decided?[c] = true }
            }
            if let decided { decisions[cg.name] = decided }
        }
        // A member's own floor: its best prunable units by the group's ranking (under auto, only
        // for a member the decisions would leave below min_keep).
        let forced: [[Bool]] = groups.indices.map { l in
            var flags = [Bool](repeating: false, count: groups[l].units)
            for channels in groups[l].channelOf.values {
                let own = Array(Set(channels.filter { eligible[l][$0] }))
                if case .auto = request.amount, let d = decisions[groups[l].name],
                   own.filter({ d[$0] }).count >= Swift.min(request.minKeep, own.count) { continue }
                let best = own.sorted { ranking[l][$0] != ranking[l][$1] ? ranking[l][$0] > ranking[l][$1] : $0 < $1 }
                for c in best.prefix(request.minKeep) { flags[c] = true }
            }
            return flags
        }
        var grouped = scores
        grouped.decisions = decisions
        var keep = select(ranking, eligible: eligible, sizes: sizes, scores: grouped, keys: groups.map(\.name),
                          request: request, forced: forced)
        if request.roundTo > 1 {
            for l in groups.indices {
                keep[l] = roundedUp(keep[l], eligible: eligible[l], ranking: ranking[l], multiple: request.roundTo,
                                    views: Array(groups[l].channelOf.values))
            }
        }
        var set = KeepSet(granularity: scores.granularity)
        for (l, cg) in groups.enumerated() {
            for (m, channels) in cg.channelOf where members[m] != nil {
                set.units[m] = channels.indices.filter { keep[l][channels[$0]] || !eligible[l][channels[$0]] }
            }
        }
        return set
    }

    /// `keep` with the best-ranked removed channels put back until every member keeps a multiple
    /// of `multiple` of its channels (counting those that must stay), or all of them. A member may
    /// see only part of its group (a zero-padded shortcut ties a 16-channel stage to the first 16
    /// of a 32-channel one), so each distinct member view is rounded, smallest first, taking
    /// channels outside the views already rounded where it can. Rounding up never removes more than
    /// the ranking asked for; the report shows the realized fraction.
    public static func roundedUp(_ keep: [Bool], eligible: [Bool], ranking: [Float], multiple: Int,
                                 views: [[Int]]? = nil) -> [Bool] {
        var result = keep
        let distinct = Set((views ?? [Array(keep.indices)]).map { Array(Set($0)).sorted() })
            .sorted { $0.count != $1.count ? $0.count < $1.count : $0.lexicographicallyPrecedes($1) }
        var settled = Set<Int>()
        for view in distinct {
            let kept = view.filter { result[$0] || !eligible[$0] }.count
            let target = Swift.min(view.count, (kept + multiple - 1) / multiple * multiple)
            let removed = view.filter { !result[$0] && eligible[$0] }
                .sorted { ranking[$0] != ranking[$1] ? ranking[$0] > ranking[$1] : $0 < $1 }
            let fresh = removed.filter { !settled.contains($0) }
            let settledOnes = removed.filter { settled.contains($0) }
            for i in (fresh + settledOnes).prefix(Swift.max(0, target - kept)) { result[i] = true }
            settled.formUnion(view)
        }
        return result
    }

    /// The shared core: per-layer score lists in, per-layer keep flags out.
    /// `forced` (units only) marks entries kept whatever the ranking: every member's own min_keep.
    private static func select(_ ranking: [[Float]], eligible: [[Bool]], sizes: [Int], scores: ScoreSet,
                               keys: [String], request: PruneRequest, forced: [[Bool]]? = nil) -> [[Bool]] {
        switch request.amount {
        case .auto:
            return ranking.indices.map { l in
                let decided = scores.decisions[keys[l]] ?? [Bool](repeating: true, count: ranking[l].count)
                var allowed = zip(decided, eligible[l]).map { $0 && $1 }
                if let f = forced?[l] { for i in allowed.indices where f[i] && eligible[l][i] { allowed[i] = true } }
                let count = allowed.filter { $0 }.count
                // min_keep guard: top up with the best-scored eligible units.
                return count >= request.minKeep ? allowed
                    : topK([ranking[l]], eligible: [eligible[l]], keep: request.minKeep, minKeep: request.minKeep,
                           forced: forced.map { [$0[l]] })[0]
            }
        case .ratio(let r):
            if request.scope == .global {
                // The publications prune once; iterative steps (ratios of reference sizes) keep counts.
                if scores.quantileThreshold, request.reference == nil {
                    let keep = thresholdKeepCount(ranking, eligible: eligible, ratio: r, minKeep: request.minKeep)
                    return topK(ranking, eligible: eligible, keep: keep, minKeep: request.minKeep, forced: forced)
                }
                let total = sizes.reduce(0, +)
                let keep = total - Int((r * Double(total)).rounded())
                return topK(ranking, eligible: eligible, keep: keep, minKeep: request.minKeep, forced: forced)
            }
            return ranking.indices.map { l in
                let keep = sizes[l] - Int((r * Double(sizes[l])).rounded())
                return topK([ranking[l]], eligible: [eligible[l]], keep: keep, minKeep: request.minKeep,
                            forced: forced.map { [$0[l]] })[0]
            }
        }
    }

    // Score sets marked `quantileThreshold` (their publications prune `global` by one
    // threshold: receding importances, Suteu and Guo 2022; network slimming, Liu et al. 2017)
    // keep the entries strictly above the `ratio`-quantile of all scores (linear interpolation,
    // as numpy.quantile; entries tied at the threshold go), every layer topped up to `min_keep`.
    // The realized fraction may then differ slightly from the request; other methods keep
    // exactly the requested count.

    /// How many entries the threshold rule keeps: per layer, those strictly above the global
    /// quantile, or the layer's best `minKeep` when fewer are. `topK` with this count keeps
    /// exactly that set, since every entry above the threshold outranks every entry at or below.
    static func thresholdKeepCount(_ scores: [[Float]], eligible: [[Bool]], ratio: Double, minKeep: Int) -> Int {
        var all = [Double]()
        for l in scores.indices { for i in scores[l].indices where eligible[l][i] { all.append(Double(scores[l][i])) } }
        guard !all.isEmpty else { return 0 }
        all.sort()
        let position = ratio * Double(all.count - 1)
        let below = Int(position.rounded(.down)), above = min(below + 1, all.count - 1)
        let threshold = all[below] + (all[above] - all[below]) * (position - Double(below))
        var keep = 0
        for l in scores.indices {
            var strictlyAbove = 0, candidates = 0
            for i in scores[l].indices where eligible[l][i] {
                candidates += 1
                if Double(scores[l][i]) > threshold { strictlyAbove += 1 }
            }
            keep += max(strictlyAbove, min(minKeep, candidates))
        }
        return keep
    }

    /// Keeps the `keep` best eligible entries over all layers, after first keeping the best
    /// `minKeep` of every layer; ineligible entries are never kept.
    /// `forced` entries (eligible ones) are kept first too.
    static func topK(_ scores: [[Float]], eligible: [[Bool]], keep: Int, minKeep: Int, forced: [[Bool]]? = nil) -> [[Bool]] {
        var result = scores.map { [Bool](repeating: false, count: $0.count) }
        var offsets = [Int](), total = 0
        for s in scores { offsets.append(total); total += s.count }
        var kept = 0
        for l in scores.indices {
            for key in bestKeys(scores[l], eligible: eligible[l], count: minKeep) {
                result[l][Int(key & 0xFFFF_FFFF)] = true
                kept += 1
            }
            if let f = forced?[l] {
                for i in f.indices where f[i] && eligible[l][i] && !result[l][i] { result[l][i] = true; kept += 1 }
            }
        }
        guard keep > kept else { return result }
        var keys = [UInt64]()
        keys.reserveCapacity(total)
        for l in scores.indices {
            keys += unsortedKeys(scores[l], eligible: eligible[l], offset: offsets[l], skip: result[l])
        }
        keys.sort()
        for key in keys.prefix(keep - kept) {
            let flat = Int(key & 0xFFFF_FFFF)
            var l = 0
            var lo = 0, hi = offsets.count - 1
            while lo <= hi { let mid = (lo + hi) / 2; if offsets[mid] <= flat { l = mid; lo = mid + 1 } else { hi = mid - 1 } }
            // Empty layers share an offset with the next one; step to the layer that holds `flat`.
            while flat - offsets[l] >= scores[l].count { l += 1 }
            result[l][flat - offsets[l]] = true
        }
        return result
    }

    /// The `count` smallest keys of one layer without sorting it (min_keep is small; layers may
    /// hold millions of weights). `count` comes from the script and may exceed any layer: the
    /// layer's own size bounds what is reserved.
    private static func bestKeys(_ s: [Float], eligible: [Bool], count: Int) -> [UInt64] {
        let count = Swift.min(count, s.count)
        var best = [UInt64]()
        best.reserveCapacity(count + 1)
        for i in s.indices where eligible[i] {
            let key = UInt64(~orderedBits(s[i])) << 32 | UInt64(i)
            if best.count == count, let worst = best.last, key >= worst { continue }
            let at = best.firstIndex { $0 > key } ?? best.count
            best.insert(key, at: at)
            if best.count > count { best.removeLast() }
        }
        return best
    }

    /// Keys that sort ascending as descending score, then ascending position (deterministic ties).
    private static func unsortedKeys(_ s: [Float], eligible: [Bool], offset: Int, skip: [Bool]) -> [UInt64] {
        var keys = [UInt64]()
        keys.reserveCapacity(s.count)
        for i in s.indices where eligible[i] && !skip[i] {
            keys.append(UInt64(~orderedBits(s[i])) << 32 | UInt64(offset + i))
        }
        return keys
    }

    /// Maps a float to an unsigned integer with the same order (-0 and 0 compare equal).
    @inline(__always) public static func orderedBits(_ f: Float) -> UInt32 {
        let b = (f == 0 ? Float(0) : f).bitPattern
        return b & 0x8000_0000 != 0 ? ~b : b | 0x8000_0000
    }
}

import Foundation

/// The results as a markdown table, CSV or JSON. Every table names the recipes, seeds and prn
/// version that produced it, so a number is never separated from how it was made.
enum ReportTables {
    // MARK: Markdown

    static func markdown(_ s: ReportSummary, headingLevel: Int = 2) -> String {
        let h = String(repeating: "#", count: headingLevel)
        var out = [provenance(s), ""]
        if s.experiments.isEmpty {
            out.append("No pruning results yet: a report needs `prune` followed by `eval`.")
        }
        for e in s.experiments {
            out.append("\(h) \(e.experiment.label)")
            out.append("")
            let epochs = Set(e.rows.flatMap(\.finetuneEpochs))
            let budget = epochs.count == 1 ? "\(epochs.first ?? 0) epoch(s) for every run"
                                           : "differs between runs (\(epochs.sorted().map(String.init).joined(separator: ", ")) epochs): not a fair comparison"
            out.append("Recipe: \(e.recipes.map { "`\($0)`" }.joined(separator: ", ")); seeds \(list(e.seeds)); fine-tuning: \(budget).")
            if let d = e.dense {
                out.append("Dense: accuracy \(pct(d.accuracy)) %, \(count(d.params)) parameters, \(si(d.flops)) FLOPs per sample.")
            }
            out.append("")
            out.append("| method | ratio | removed (\(e.structured ? "units" : "weights")) | params removed | non-zero params | compression | effective FLOPs | FLOPs speed-up | \(e.structured ? "fewest units in a layer" : "fewest weights per unit") | accuracy after pruning (%) | accuracy after fine-tuning (%) | seeds |")
            out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
            for r in e.rows {
                var cells: [String] = [r.method, String(format: "%.3g", r.ratio)]
                cells.append(String(format: "%.1f%%", r.sparsity.mean * 100))
                cells.append(String(format: "%.1f%%", r.paramSparsity.mean * 100))
                cells.append(count(r.nonZero.mean))
                cells.append(ratioText(e.dense?.params, r.nonZero.mean))
                cells.append(si(r.flopsEffective.mean))
                cells.append(ratioText(e.dense?.flops, r.flopsEffective.mean))
                cells.append(fewestText(r.fewestKept, structured: e.structured))
                cells.append(r.accuracyPruned.map(pct) ?? "-")
                cells.append(r.accuracyFinetuned.map(pct) ?? "-")
                cells.append(String(r.seeds.count))
                out.append("| " + cells.map(cell).joined(separator: " | ") + " |")
            }
            out.append("")
        }
        return out.joined(separator: "\n")
    }

    static func provenance(_ s: ReportSummary) -> String {
        "Made by prn \(s.prnVersions.joined(separator: ", ")) from \(s.recipes.map { "`\($0)`" }.joined(separator: ", ")) "
            + "with seeds \(list(s.seeds)); accuracies are mean ± sample standard deviation over seeds, "
            + "right after pruning and after fine-tuning."
    }

    /// A starved layer (under one kept weight per unit) is flagged where a reader looks.
    static func fewestText(_ value: Double?, structured: Bool) -> String {
        guard let value else { return "-" }
        if structured { return String(Int(value)) }
        return value < 1 ? String(format: "%.2f (starved)", value) : String(format: "%.1f", value)
    }

    /// "12.34x": how many times smaller than the dense model.
    static func ratioText(_ dense: Double?, _ now: Double) -> String {
        guard let dense else { return "-" }
        return String(format: "%.2fx", dense / max(now, 1))
    }

    static func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }
    static func list(_ seeds: [UInt64]) -> String { seeds.isEmpty ? "none" : seeds.map(String.init).joined(separator: ", ") }
    static func pct(_ s: Stat) -> String {
        s.n > 1 ? String(format: "%.2f ± %.2f", s.mean * 100, s.std * 100) : String(format: "%.2f", s.mean * 100)
    }
    static func count(_ x: Double) -> String { Int(x.rounded()).formatted() }
    static func si(_ x: Double) -> String { AxisTicks.si(x) }

    // MARK: CSV

    static let csvColumns = [
        "experiment", "model", "dataset", "granularity", "scope", "method", "ratio", "seeds", "runs",
        "sparsity", "param_sparsity", "params", "nonzero", "flops", "flops_effective",
        "accuracy_pruned_mean", "accuracy_pruned_std", "accuracy_finetuned_mean", "accuracy_finetuned_std",
        "finetune_epochs", "dense_accuracy", "dense_params", "dense_flops", "recipes", "prn_version",
    ]

    static func csv(_ s: ReportSummary) -> String {
        var lines = [csvColumns.joined(separator: ",")]
        let version = s.prnVersions.joined(separator: " ")
        for e in s.experiments {
            for r in e.rows {
                let x = e.experiment
                let fields: [String] = [
                    x.slug, x.model, x.dataset, x.granularity, x.scope, r.method, num(r.ratio),
                    r.seeds.map(String.init).joined(separator: " "), "\(r.seeds.count)",
                    num(r.sparsity.mean), num(r.paramSparsity.mean), num(r.params.mean), num(r.nonZero.mean),
                    num(r.flops.mean), num(r.flopsEffective.mean),
                    r.accuracyPruned.map { num($0.mean) } ?? "", r.accuracyPruned.map { num($0.std) } ?? "",
                    r.accuracyFinetuned.map { num($0.mean) } ?? "", r.accuracyFinetuned.map { num($0.std) } ?? "",
                    Array(Set(r.finetuneEpochs)).sorted().map(String.init).joined(separator: " "),
                    e.dense.map { num($0.accuracy.mean) } ?? "", e.dense.map { num($0.params) } ?? "",
                    e.dense.map { num($0.flops) } ?? "", e.recipes.joined(separator: " "), version,
                ]
                lines.append(fields.map(csvField).joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func num(_ x: Double) -> String {
        guard x.isFinite else { return "" }
        return x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(format: "%.6g", x)
    }

    static func csvField(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
            ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    // MARK: JSON

    static func json(_ s: ReportSummary) throws -> String {
        func stat(_ st: Stat?) -> Any { st.map { ["mean": finite($0.mean), "std": finite($0.std), "n": $0.n] as [String: Any] } ?? NSNull() }
        let experiments: [[String: Any]] = s.experiments.map { e in
            var o: [String: Any] = [
                "id": e.experiment.slug, "label": e.experiment.label, "model": e.experiment.model,
                "dataset": e.experiment.dataset, "granularity": e.experiment.granularity, "scope": e.experiment.scope,
                "seeds": e.seeds, "recipes": e.recipes, "methods": e.methods,
            ]
            o["dense"] = e.dense.map { ["accuracy": stat($0.accuracy), "params": $0.params, "flops": $0.flops] as [String: Any] } ?? NSNull()
            o["rows"] = e.rows.map { r -> [String: Any] in
                ["method": r.method, "ratio": r.ratio, "seeds": r.seeds, "sparsity": stat(r.sparsity),
                 "param_sparsity": stat(r.paramSparsity), "params": stat(r.params), "nonzero": stat(r.nonZero),
                 "flops": stat(r.flops), "flops_effective": stat(r.flopsEffective),
                 "accuracy_pruned": stat(r.accuracyPruned), "accuracy_finetuned": stat(r.accuracyFinetuned),
                 "finetune_epochs": r.finetuneEpochs,
                 "layers": r.layers.map { ["name": $0.name, "kind": $0.kind, "width_before": $0.widthBefore, "width": $0.width,
                                           "weights_before": $0.weightsBefore, "nonzero_weights": $0.nonZeroWeights] }]
            }
            return o
        }
        let runs: [[String: Any]] = s.input.points.map { p in
            ["experiment": p.experiment.slug, "method": p.method, "ratio": p.ratio, "seed": p.seed,
             "sparsity": p.sparsity, "param_sparsity": p.paramSparsity, "params": p.params, "nonzero": p.nonZero,
             "flops": p.flops, "flops_effective": p.flopsEffective,
             "accuracy_pruned": p.accuracyPruned ?? NSNull(), "accuracy_finetuned": p.accuracyFinetuned ?? NSNull(),
             "finetune_epochs": p.finetuneEpochs, "log": s.input.sources[p.source].path]
        }
        let sources: [[String: Any]] = s.input.sources.map {
            ["path": $0.path, "recipe": $0.recipe, "recipe_fnv1a": $0.recipeHash, "prn_version": $0.prnVersion, "started": $0.started]
        }
        let root: [String: Any] = ["prn_versions": s.prnVersions, "recipes": s.recipes, "seeds": s.seeds,
                                   "experiments": experiments, "runs": runs, "sources": sources]
        let data = try JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// JSON has no NaN or infinity.
    static func finite(_ x: Double) -> Any { x.isFinite ? x : NSNull() }
}

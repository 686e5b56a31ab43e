import Foundation

/// Reads a run's events in order and recovers the points of the curves.
///
/// A `prune` opens a point (method, requested ratio, size after pruning, layer widths). The
/// first test `eval` after it, before any `finetune`, is the accuracy right after pruning; the
/// last test `eval` after a `finetune` is the accuracy after fine-tuning. A test `eval` while no
/// point is open (after `load`, `train` or `score`) measures the dense model. `restore` is not
/// logged, so a recipe that evaluates a restored dense model scores it first (as
/// stdlib/sweep.prn does) or loads it.
///
/// A model's variant (a requested norm, the training penalties; logged by `load` and `train`)
/// becomes part of its name, "lenet300 penalty=pat", so a PAT-trained model and a plain one are
/// separate experiments with their own dense reference.
enum RunExtraction {
    static func extract(_ events: [[String: Any]], source: ReportSource) -> ReportInput {
        var input = ReportInput()
        var src = source
        var base = "model", variant = "", dataset = "data"
        var model: String { variant.isEmpty ? base : "\(base) \(variant)" }
        var open: Int?
        var finetuned = false
        for e in events {
            let seed = uint(e["seed"]) ?? 0
            switch e["event"] as? String {
            case "manifest":
                src.recipe = e["script"] as? String ?? src.recipe
                src.recipeHash = e["script_fnv1a"] as? String ?? src.recipeHash
                src.prnVersion = e["prn_version"] as? String ?? src.prnVersion
                src.started = e["started"] as? String ?? src.started
                src.threads = int(e["threads"]) ?? src.threads
            case "data":
                if let name = e["name"] as? String { dataset = datasetName(name) }
            case "load":
                base = architectureName(e["architecture"]) ?? (e["model"] as? String).map(modelName) ?? base
                variant = e["variant"] as? String ?? ""
                open = nil
            case "train":
                open = nil
                if let v = e["variant"] as? String { variant = v }
            case "score":
                open = nil
                if let h = histogram(e, model: model, dataset: dataset, seed: seed) { input.histograms.append(h) }
            case "prune":
                let experiment = ReportExperiment(model: model, dataset: dataset,
                                                  granularity: e["granularity"] as? String ?? "weights",
                                                  scope: e["scope"] as? String ?? "global")
                let point = ReportPoint(
                    experiment: experiment, method: e["method"] as? String ?? "?",
                    ratio: double(e["requested"]) ?? double(e["sparsity"]) ?? 0, seed: seed,
                    sparsity: double(e["sparsity"]) ?? 0, paramSparsity: double(e["param_sparsity"]) ?? 0,
                    params: double(e["params"]) ?? 0, nonZero: double(e["nonzero"]) ?? 0,
                    flops: double(e["flops"]) ?? 0, flopsEffective: double(e["flops_effective"]) ?? 0,
                    layers: layers(e["layers"]), source: 0)
                input.points.append(point)
                open = input.points.count - 1
                finetuned = false
            case "finetune":
                if let i = open {
                    finetuned = true
                    input.points[i].finetuneEpochs += int(e["epochs"]) ?? 0
                }
            case "eval":
                guard (e["split"] as? String ?? "test") == "test", let accuracy = double(e["accuracy"]) else { continue }
                if let i = open {
                    if finetuned { input.points[i].accuracyFinetuned = accuracy }
                    else if input.points[i].accuracyPruned == nil { input.points[i].accuracyPruned = accuracy }
                } else {
                    input.dense.append(ReportDense(model: model, dataset: dataset, seed: seed, accuracy: accuracy,
                                                   params: double(e["params"]) ?? 0, flops: double(e["flops"]) ?? 0))
                }
            default: break
            }
        }
        input.sources = [src]
        return input
    }

    static func histogram(_ e: [String: Any], model: String, dataset: String, seed: UInt64) -> ReportHistogram? {
        guard let h = e["histogram"] as? [String: Any], let counts = h["counts"] as? [Any] else { return nil }
        return ReportHistogram(model: model, dataset: dataset, granularity: e["granularity"] as? String ?? "weights",
                               method: e["method"] as? String ?? "?", seed: seed, scale: h["scale"] as? String ?? "linear",
                               lo: double(h["lo"]) ?? 0, hi: double(h["hi"]) ?? 0, zeros: int(h["zeros"]) ?? 0,
                               counts: counts.compactMap(int))
    }

    static func layers(_ value: Any?) -> [LayerWidth] {
        guard let list = value as? [Any] else { return [] }
        return list.compactMap { item in
            guard let d = item as? [String: Any], let name = d["name"] as? String else { return nil }
            return LayerWidth(name: name, kind: d["kind"] as? String ?? "", widthBefore: int(d["width_before"]) ?? 0,
                              width: int(d["width"]) ?? 0, weightsBefore: int(d["weights_before"]) ?? 0,
                              nonZeroWeights: int(d["nonzero_weights"]) ?? 0)
        }
    }

    /// The zoo name kept in a model's architecture metadata, which survives save and load.
    static func architectureName(_ value: Any?) -> String? {
        guard let text = value as? String,
              let d = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
              let name = d["name"] as? String, !name.isEmpty else { return nil }
        return name
    }

    static func modelName(_ text: String) -> String {
        text.contains("/") || text.contains(".") ? URL(fileURLWithPath: text).deletingPathExtension().lastPathComponent : text
    }

    static func datasetName(_ text: String) -> String {
        text.contains("/") ? URL(fileURLWithPath: text).lastPathComponent : text
    }

    static func double(_ v: Any?) -> Double? {
        switch v {
        case let n as NSNumber: return n.doubleValue
        case let d as Double: return d
        case let i as Int: return Double(i)
        case let u as UInt64: return Double(u)
        case let f as Float: return Double(f)
        default: return nil
        }
    }

    /// Whole numbers that fit the type, else nil: a converting initializer would trap on 1e300.
    /// Logs are range-checked before extraction (RunLogNumbers); live events come from prn itself.
    static func int(_ v: Any?) -> Int? { double(v).flatMap { Int(exactly: $0.rounded(.towardZero)) } }
    static func uint(_ v: Any?) -> UInt64? {
        if let u = v as? UInt64 { return u }
        return double(v).flatMap { UInt64(exactly: $0) }
    }
}

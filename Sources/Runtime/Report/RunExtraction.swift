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
    static func extract(_ records: [RunLogRecord], source: ReportSource) -> ReportInput {
        var input = ReportInput()
        var src = source
        var base = "model", variant = "", dataset = "data"
        var model: String { variant.isEmpty ? base : "\(base) \(variant)" }
        var open: Int?
        var finetuned = false
        for record in records {
            let seed = record.seed ?? 0
            switch record.event {
            case .manifest(let m):
                src.recipe = m.script
                src.recipeHash = m.scriptHash
                src.prnVersion = m.prnVersion
                src.started = m.started
                src.threads = m.threads
            case .data(let d):
                dataset = datasetName(d.name)
            case .load(let l):
                base = architectureName(l.architecture) ?? modelName(l.model)
                variant = l.variant ?? ""
                open = nil
            case .train(let t):
                open = nil
                if case .completed(let c) = t, let v = c.variant { variant = v }
            case .score(let e):
                open = nil
                if let h = e.histogram {
                    input.histograms.append(ReportHistogram(model: model, dataset: dataset, granularity: e.granularity,
                                                            method: e.method, seed: seed, scale: h.scale, lo: h.lo, hi: h.hi,
                                                            zeros: h.zeros, counts: h.counts))
                }
            case .prune(let e):
                let experiment = ReportExperiment(model: model, dataset: dataset, granularity: e.granularity, scope: e.scope)
                let point = ReportPoint(
                    experiment: experiment, method: e.method, ratio: e.requested, seed: seed,
                    sparsity: e.sparsity, paramSparsity: e.paramSparsity, params: e.params, nonZero: e.nonzero,
                    flops: e.flops, flopsEffective: e.flopsEffective,
                    layers: e.layers.map { LayerWidth(name: $0.name, kind: $0.kind, widthBefore: $0.widthBefore, width: $0.width,
                                                      weightsBefore: $0.weightsBefore, nonZeroWeights: $0.nonzeroWeights) },
                    source: 0)
                input.points.append(point)
                open = input.points.count - 1
                finetuned = false
            case .finetune(let t):
                if let i = open {
                    finetuned = true
                    input.points[i].finetuneEpochs += t.epochs
                }
            case .eval(let e):
                guard e.split == "test" else { continue }
                if let i = open {
                    if finetuned { input.points[i].accuracyFinetuned = e.accuracy }
                    else if input.points[i].accuracyPruned == nil { input.points[i].accuracyPruned = e.accuracy }
                } else {
                    input.dense.append(ReportDense(model: model, dataset: dataset, seed: seed, accuracy: e.accuracy,
                                                   params: e.params, flops: e.flops))
                }
            case .epoch, .save, .export, .rewind, .interrupted, .end:
                break
            }
        }
        input.sources = [src]
        return input
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
}

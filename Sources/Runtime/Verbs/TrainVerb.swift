import Engine
import Foundation
import Language

/// `train` and `finetune`: mini-batch training. `finetune` is the same loop after pruning, with
/// masks fixed and no penalty.
enum TrainVerb {
    /// The two verbs' shared options; each declares its own default epochs, and `finetune` starts
    /// from the recipe's finetune rate.
    static let trainOptions = TrainOptionDeclarations(epochs: 10, finetune: false)
    static let finetuneOptions = TrainOptionDeclarations(epochs: 3, finetune: true)

    static let results = [ResultField("loss", "mean training loss of the last epoch"),
                          ResultField("accuracy", "training accuracy of the last epoch"),
                          ResultField("epochs", "epochs run"), ResultField("seconds", "wall time"),
                          ResultField("samples_per_s", "training throughput")]

    static let train = VerbSignature(
        "train", summary: "train the model, optionally with a penalty",
        options: trainOptions.specs + Penalties.options,
        resultFields: results, requires: ["model", "data"], provides: ["trained"],
        variantSelector: Penalties.penalty.name, variants: Penalties.variants)

    static let finetune = VerbSignature(
        "finetune", summary: "train a pruned model: masks stay fixed, no penalty",
        options: finetuneOptions.specs,
        resultFields: results, requires: ["model", "data", "pruned"], provides: ["trained"])

    static func runTrain(_ inv: VerbInvocation, _ s: Session) throws -> Value {
        try run(inv, s, trainOptions)
    }

    static func runFinetune(_ inv: VerbInvocation, _ s: Session) throws -> Value {
        try run(inv, s, finetuneOptions)
    }

    static func run(_ inv: VerbInvocation, _ s: Session, _ declarations: TrainOptionDeclarations) throws -> Value {
        let model = try s.requireModel(inv.verb)
        let data = try s.requireData(inv.verb)
        let resolved = declarations.read(inv, recipe: s.recipe)
        var o = resolved.options
        o.seed = s.seed
        o.streamName = s.nextStream(inv.verb)
        try MemoryBudget.check(model: model, batch: o.batchSize)
        if !resolved.fromRecipe.isEmpty {
            s.say("\(inv.verb): \(s.recipeName) recipe: " + resolved.fromRecipe.joined(separator: ", "))
        }
        let trainer = Trainer(model: model, options: o)
        // Trained on these data, the model expects them prepared as they are now.
        model.preprocessing = InputNormalizationOptions.of(data)
        if inv.verb == "train" { trainer.penalties = try Penalties.make(inv, model: model, session: s) }
        trainer.shouldStop = { [cancellation = s.cancellation] in cancellation.isCancelled }
        if let bar = s.progress {
            trainer.onProgress = { p in
                bar.update(String(format: "%@ epoch %d/%d [%@] loss %.4f acc %.2f%% %@ left", inv.verb, p.epoch, p.epochs,
                                  ProgressText.bar(Double(p.batch) / Double(max(p.batches, 1)), width: 20),
                                  p.loss, p.accuracy * 100, ProgressText.duration(p.remaining)))
            }
        }
        trainer.onEpoch = { r in
            s.progress?.finish()
            let part = r.isPartial ? " (partial: \(r.batches) of \(r.batchesPerEpoch) batches)" : ""
            s.say(String(format: "%@ epoch %d%@: loss %.4f, accuracy %.2f%%%@, %.1fs", inv.verb, r.epoch, part, r.loss, r.accuracy * 100,
                         r.penalty != 0 ? String(format: ", penalty %.4g", r.penalty) : "", r.seconds))
            s.logEvent(.epoch(.init(verb: inv.verb, epoch: r.epoch, loss: r.loss, accuracy: r.accuracy, penalty: r.penalty,
                                    lr: r.learningRate, seconds: r.seconds, partial: r.isPartial ? true : nil,
                                    batches: r.isPartial ? r.batches : nil, batchesTotal: r.isPartial ? r.batchesPerEpoch : nil)))
        }
        let result: TrainResult
        do { result = try trainer.run(on: data.train) } catch let e as TrainingDiverged {
            s.progress?.finish()
            throw VerbError(e.description, cause: e)
        }
        s.progress?.finish()
        if result.interrupted {
            let full = result.fullEpochs.count
            let batches = result.epochs.last.map { $0.isPartial ? " and \($0.batches) of \($0.batchesPerEpoch) batches" : "" } ?? ""
            // A run log that failed stops training too; the line says which of the two it was.
            let why = s.runLog.failed ? "stopped because the run log could not be written" : "interrupted"
            s.say("\(inv.verb) \(why) after \(full) full epoch(s)\(batches); the model is kept as of the last finished batch")
            s.logEvent(Self.event(inv.verb, .stopped(.init(interrupted: true, epochs: full,
                                                           batches: result.epochs.last?.batches ?? 0))))
            // The same error every stopped command throws, so the run ends as cancelled by its
            // signal (a failed log replaces it with the log's own error).
            throw Interrupted(what: inv.verb, signal: s.cancellation.signal ?? SIGINT)
        }
        let last = result.epochs.last
        let seconds = result.epochs.reduce(0) { $0 + $1.seconds }
        if inv.verb == "train", let penalty = Penalties.chosen(inv) { s.modelState?.addVariant("penalty=\(penalty)") }
        s.logEvent(Self.event(inv.verb, .completed(.init(
            epochs: result.epochs.count, loss: last?.loss ?? 0, accuracy: last?.accuracy ?? 0, seconds: seconds,
            samplesPerSecond: result.samplesPerSecond, variant: s.modelState?.variant ?? "", options: resolved.logged))))
        return .record(Record(["loss": last?.loss ?? 0, "accuracy": last?.accuracy ?? 0,
                               "epochs": Double(result.epochs.count), "seconds": seconds,
                               "samples_per_s": result.samplesPerSecond]))
    }

    /// The run-log event that ends `train` or `finetune`.
    static func event(_ verb: String, _ training: RunLogEvent.Training) -> RunLogEvent {
        verb == "finetune" ? .finetune(training) : .train(training)
    }
}

enum ProgressText {
    static func bar(_ f: Double, width: Int) -> String {
        let n = max(0, min(width, Int((f * Double(width)).rounded())))
        return String(repeating: "#", count: n) + String(repeating: ".", count: width - n)
    }
    static func duration(_ s: Double) -> String {
        guard s.isFinite else { return "?" }
        let t = Int(s.rounded())
        return t >= 3600 ? "\(t / 3600)h\(t % 3600 / 60)m" : t >= 60 ? "\(t / 60)m\(t % 60)s" : "\(t)s"
    }
}

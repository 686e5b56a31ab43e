import Engine
import Foundation
import Language

/// `train` and `finetune`: mini-batch training. `finetune` is the same loop after pruning, with
/// masks fixed and no penalty.
enum TrainVerb {
    static let schedules: [Choice] = [
        Choice("const", "constant learning rate"), Choice("step", "multiply by gamma every step_every epochs"),
        Choice("cosine", "cosine annealing to 0"),
    ]
    static let penalties: [Choice] = [
        Choice("none", "plain cross-entropy"),
        Choice("l1", "lambda * sum |gamma| over batch-norm scales (network slimming)"),
        Choice("receding", "lambda * sum u(1 - ln u), u = sigma(theta + shift) (needs norm=sigmoid)"),
        Choice("pat", "pruning-aware training: entropy of relative contributions"),
    ]

    static let commonOptions: [OptionSpec] = [
        OptionSpec("epochs", .integer(min: 1, max: 100_000), default: .number(10), help: "passes over the training data"),
        OptionSpec("lr", .number(min: Bound(0, inclusive: false), max: Bound(100)), default: .number(0.1), help: "base learning rate"),
        OptionSpec("batch", .integer(min: 1, max: 65_536), default: .number(128), help: "mini-batch size"),
        OptionSpec("optimizer", .choice([Choice("sgd"), Choice("adam"), Choice("adamw")]), default: .word("sgd"), noun: "optimizer"),
        OptionSpec("momentum", .number(min: Bound(0), max: Bound(1, inclusive: false)), default: .number(0.9)),
        OptionSpec("nesterov", .bool, default: .bool(false)),
        OptionSpec("wd", .number(min: Bound(0), max: Bound(1)), default: .number(0), help: "weight decay"),
        OptionSpec("schedule", .choice(schedules), default: .word("const"), noun: "schedule"),
        OptionSpec("step_every", .integer(min: 1, max: nil), default: .number(10), help: "epochs between steps of schedule=step"),
        OptionSpec("gamma", .number(min: Bound(0, inclusive: false), max: Bound(1)), default: .number(0.1), help: "factor of schedule=step"),
        OptionSpec("warmup", .number(min: Bound(0), max: nil), default: .number(0), help: "epochs of linear warm-up"),
        OptionSpec("augment", .bool, default: .bool(false), help: "random crop (pad 4) and horizontal flip (colour images)"),
        OptionSpec("scale_lr", .number(min: Bound(0), max: nil), default: .number(10), help: "learning-rate multiplier of sigmoid-BN parameters"),
        OptionSpec("scale_wd", .bool, default: .bool(false), help: "apply weight decay to sigmoid-BN parameters"),
    ]

    static let results = [ResultField("loss", "mean training loss of the last epoch"),
                          ResultField("accuracy", "training accuracy of the last epoch"),
                          ResultField("epochs", "epochs run"), ResultField("seconds", "wall time"),
                          ResultField("samples_per_s", "training throughput")]

    static let train = VerbSignature(
        "train", summary: "train the model, optionally with a penalty",
        options: commonOptions + [
            OptionSpec("penalty", .choice(penalties), default: .word("none"), noun: "penalty"),
            OptionSpec("lambda", .number(min: Bound(0), max: nil), help: "penalty strength (default per penalty)"),
            OptionSpec("shift", .anyNumber, default: .number(3), help: "receding penalty shift b in sigma(theta + b)"),
        ],
        resultFields: results, requires: ["model", "data"], provides: ["trained"])

    static let finetune = VerbSignature(
        "finetune", summary: "train a pruned model: masks stay fixed, no penalty",
        options: commonOptions.map { o in
            var o = o
            if o.name == "epochs" { o.defaultValue = .number(3) }
            if o.name == "lr" { o.defaultValue = .number(0.01) }
            return o
        },
        resultFields: results, requires: ["model", "data", "pruned"], provides: ["trained"])

    static func options(_ inv: VerbInvocation, _ s: Session) -> TrainOptions {
        var o = TrainOptions()
        o.epochs = inv.int("epochs") ?? 10
        o.learningRate = inv.float("lr") ?? 0.1
        o.batchSize = inv.int("batch") ?? 128
        o.optimizer = OptimizerKind(rawValue: inv.text("optimizer") ?? "sgd") ?? .sgd
        o.momentum = inv.float("momentum") ?? 0.9
        o.nesterov = inv.bool("nesterov") ?? false
        o.weightDecay = inv.float("wd") ?? 0
        switch inv.text("schedule") {
        case "step": o.schedule = .step(every: inv.int("step_every") ?? 10, gamma: inv.float("gamma") ?? 0.1)
        case "cosine": o.schedule = .cosine(minimum: 0)
        default: o.schedule = .constant
        }
        o.warmupEpochs = inv.double("warmup") ?? 0
        o.augment = inv.bool("augment") ?? false
        o.groups["sigmoid-bn"] = ParameterGroupRule(lrMultiplier: inv.float("scale_lr") ?? 10,
                                                    weightDecay: inv.bool("scale_wd") ?? false)
        o.seed = s.seed
        o.streamName = s.nextStream(inv.verb)
        return o
    }

    static func run(_ inv: VerbInvocation, _ s: Session) throws -> Value {
        let model = try s.requireModel(inv.verb)
        let data = try s.requireData(inv.verb)
        let o = options(inv, s)
        try MemoryBudget.check(model: model, batch: o.batchSize)
        let trainer = Trainer(model: model, options: o)
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
            var event: [String: Any] = ["verb": inv.verb, "epoch": r.epoch, "loss": r.loss, "accuracy": r.accuracy,
                                        "penalty": r.penalty, "lr": r.learningRate, "seconds": r.seconds]
            if r.isPartial { event.merge(["partial": true, "batches": r.batches, "batches_total": r.batchesPerEpoch]) { a, _ in a } }
            s.logEvent("epoch", event)
        }
        let result: TrainResult
        do { result = try trainer.run(on: data.train) } catch let e as TrainingDiverged {
            s.progress?.finish()
            throw VerbError(e.description)
        }
        s.progress?.finish()
        if result.interrupted {
            let full = result.fullEpochs.count
            let batches = result.epochs.last.map { $0.isPartial ? " and \($0.batches) of \($0.batchesPerEpoch) batches" : "" } ?? ""
            // A run log that failed stops training too; the line says which of the two it was.
            let why = s.logFailed ? "stopped because the run log could not be written" : "interrupted"
            s.say("\(inv.verb) \(why) after \(full) full epoch(s)\(batches); the model is kept as of the last finished batch")
            s.logEvent(inv.verb, ["interrupted": true, "epochs": full, "batches": result.epochs.last?.batches ?? 0])
            throw VerbError("interrupted", notes: ["stopped by an interrupt at a batch boundary"])
        }
        let last = result.epochs.last
        let seconds = result.epochs.reduce(0) { $0 + $1.seconds }
        if inv.verb == "train", let penalty = inv.text("penalty"), penalty != "none" { s.addVariant("penalty=\(penalty)") }
        s.logEvent(inv.verb, ["epochs": result.epochs.count, "loss": last?.loss ?? 0, "accuracy": last?.accuracy ?? 0,
                              "seconds": seconds, "samples_per_s": result.samplesPerSecond, "variant": s.modelVariant])
        return .record(Record(["loss": last?.loss ?? 0, "accuracy": last?.accuracy ?? 0,
                               "epochs": Double(result.epochs.count), "seconds": seconds,
                               "samples_per_s": result.samplesPerSecond]))
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

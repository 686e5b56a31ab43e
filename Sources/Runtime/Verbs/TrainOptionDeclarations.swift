import Engine
import Language

/// The options `train` and `finetune` share. Each verb builds its own set with its own defaults
/// for epochs and lr, and reads the options back through that set, so a verb's declared
/// defaults are the ones its training uses.
struct TrainOptionDeclarations: Sendable {
    enum Schedule: String, CaseIterable, Sendable {
        case const, step, cosine

        var help: String {
            switch self {
            case .const: return "constant learning rate"
            case .step: return "multiply by gamma every step_every epochs"
            case .cosine: return "cosine annealing to 0"
            }
        }
    }

    let epochs: VerbParameter<Int>
    let lr: VerbParameter<Double>
    let batch = VerbParameter<Int>.integer("batch", 1...65_536, default: 128, help: "mini-batch size")
    let optimizer = VerbParameter<OptimizerKind>.choice("optimizer", default: .sgd, noun: "optimizer")
    let momentum = VerbParameter<Double>.number("momentum", min: Bound(0), max: Bound(1, inclusive: false), default: 0.9, help: "")
    let nesterov = VerbParameter<Bool>.flag("nesterov", default: false, help: "")
    let wd = VerbParameter<Double>.number("wd", min: Bound(0), max: Bound(1), default: 0, help: "weight decay")
    let schedule = VerbParameter<Schedule>.choice("schedule", default: .const, noun: "schedule", describe: \.help)
    let stepEvery = VerbParameter<Int>.integer("step_every", atLeast: 1, default: 10, help: "epochs between steps of schedule=step")
    let gamma = VerbParameter<Double>.number("gamma", min: Bound(0, inclusive: false), max: Bound(1), default: 0.1,
                                             help: "factor of schedule=step")
    let warmup = VerbParameter<Double>.number("warmup", min: Bound(0), max: nil, default: 0, help: "epochs of linear warm-up")
    let augment = VerbParameter<Bool>.flag("augment", default: false, help: "random crop (pad 4) and horizontal flip (colour images)")
    let scaleLR = VerbParameter<Double>.number("scale_lr", min: Bound(0), max: nil, default: 10,
                                               help: "learning-rate multiplier of sigmoid-BN parameters")
    let scaleWD = VerbParameter<Bool>.flag("scale_wd", default: false, help: "apply weight decay to sigmoid-BN parameters")

    init(epochs: Int, lr: Double) {
        self.epochs = .integer("epochs", 1...100_000, default: epochs, help: "passes over the training data")
        self.lr = .number("lr", min: Bound(0, inclusive: false), max: Bound(100), default: lr, help: "base learning rate")
    }

    var specs: [OptionSpec] {
        [epochs.spec, lr.spec, batch.spec, optimizer.spec, momentum.spec, nesterov.spec, wd.spec, schedule.spec,
         stepEvery.spec, gamma.spec, warmup.spec, augment.spec, scaleLR.spec, scaleWD.spec]
    }

    /// The training options a command asked for (seed and stream are the session's).
    func read(_ inv: VerbInvocation) -> TrainOptions {
        var o = TrainOptions()
        o.epochs = inv[epochs]
        o.learningRate = Float(inv[lr])
        o.batchSize = inv[batch]
        o.optimizer = inv[optimizer]
        o.momentum = Float(inv[momentum])
        o.nesterov = inv[nesterov]
        o.weightDecay = Float(inv[wd])
        switch inv[schedule] {
        case .step: o.schedule = .step(every: inv[stepEvery], gamma: Float(inv[gamma]))
        case .cosine: o.schedule = .cosine(minimum: 0)
        case .const: o.schedule = .constant
        }
        o.warmupEpochs = inv[warmup]
        o.augment = inv[augment]
        o.groups["sigmoid-bn"] = ParameterGroupRule(lrMultiplier: Float(inv[scaleLR]), weightDecay: inv[scaleWD])
        return o
    }
}

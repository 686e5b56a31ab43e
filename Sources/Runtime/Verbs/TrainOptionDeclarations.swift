import Engine
import Language

/// The options `train` and `finetune` share. Each verb builds its own set with its own default
/// epochs and reads the options back through that set. The options a training recipe covers
/// (lr, momentum, nesterov, batch, wd, schedule) have no declared default: what the script
/// leaves out comes from the loaded model's recipe (`Zoo.recipe(for:)`).
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

    static let fromRecipe = "(default: the model's recipe)"

    /// Whether these are `finetune`'s options, which start from the recipe's finetune rate.
    let finetune: Bool
    let epochs: VerbParameter<Int>
    let lr = VerbParameter<Double?>.number("lr", min: Bound(0, inclusive: false), max: Bound(100),
                                           help: "base learning rate \(fromRecipe)")
    let batch = VerbParameter<Int?>.integer("batch", 1...65_536, help: "mini-batch size \(fromRecipe)")
    let optimizer = VerbParameter<OptimizerKind>.choice("optimizer", default: .sgd, noun: "optimizer")
    let momentum = VerbParameter<Double?>.number("momentum", min: Bound(0), max: Bound(1, inclusive: false),
                                                 help: "SGD momentum \(fromRecipe)")
    let nesterov = VerbParameter<Bool?>.flag("nesterov", help: "Nesterov momentum \(fromRecipe)")
    let wd = VerbParameter<Double?>.number("wd", min: Bound(0), max: Bound(1), help: "weight decay \(fromRecipe)")
    let schedule = VerbParameter<Schedule?>.optionalChoice("schedule", help: "learning-rate schedule \(fromRecipe)",
                                                           noun: "schedule", describe: \.help)
    let stepEvery = VerbParameter<Int>.integer("step_every", atLeast: 1, default: 10, help: "epochs between steps of schedule=step")
    let gamma = VerbParameter<Double>.number("gamma", min: Bound(0, inclusive: false), max: Bound(1), default: 0.1,
                                             help: "factor of schedule=step")
    let warmup = VerbParameter<Double>.number("warmup", min: Bound(0), max: nil, default: 0, help: "epochs of linear warm-up")
    let augment = VerbParameter<Bool>.flag("augment", default: false, help: "image augmentation: short for pad=4 flip")
    let pad = VerbParameter<Int>.integer("pad", 0...64, default: 0,
                                         help: "random crop: shift each training image by up to N pixels, filling with black (0 = off; replaces augment's 4)")
    let flip = VerbParameter<Bool>.flag("flip", default: false, help: "mirror each training image left-right with probability 1/2")
    let scaleLR = VerbParameter<Double>.number("scale_lr", min: Bound(0), max: nil, default: 10,
                                               help: "learning-rate multiplier of sigmoid-BN parameters")
    let scaleWD = VerbParameter<Bool>.flag("scale_wd", default: false, help: "apply weight decay to sigmoid-BN parameters")

    init(epochs: Int, finetune: Bool) {
        self.finetune = finetune
        self.epochs = .integer("epochs", 1...100_000, default: epochs, help: "passes over the training data")
    }

    var specs: [OptionSpec] {
        [epochs.spec, lr.spec, batch.spec, optimizer.spec, momentum.spec, nesterov.spec, wd.spec, schedule.spec,
         stepEvery.spec, gamma.spec, warmup.spec, augment.spec, pad.spec, flip.spec, scaleLR.spec, scaleWD.spec]
    }

    /// The training options a command asked for, and what it took from the recipe.
    struct Resolved {
        var options: TrainOptions
        /// "name value" for each recipe value the script left out, in the recipe line's order.
        var fromRecipe: [String]
        /// Every recipe-covered option as used, and epochs: the run log's record of the run.
        var logged: [String: RunLogEvent.OptionValue]
    }

    /// The options a command asked for, the rest from `recipe` (seed and stream are the session's).
    func read(_ inv: VerbInvocation, recipe: TrainingRecipe) -> Resolved {
        var fromRecipe: [String] = []
        func pick<V>(_ written: V?, _ recipeValue: V, _ name: String, _ text: (V) -> String) -> V {
            if let written { return written }
            fromRecipe.append("\(name) \(text(recipeValue))")
            return recipeValue
        }
        let rate = pick(inv[lr], finetune ? recipe.finetuneLearningRate : recipe.learningRate, "lr", RecipeText.number)
        let momentumValue = pick(inv[momentum], recipe.momentum, "momentum", RecipeText.number)
        let nesterovValue = pick(inv[nesterov], recipe.nesterov, "nesterov", String.init(describing:))
        let batchValue = pick(inv[batch], recipe.batchSize, "batch", String.init(describing:))
        let decay = pick(inv[wd], recipe.weightDecay, "wd", RecipeText.number)
        let written = inv[schedule].map { (word: $0.rawValue, schedule: lrSchedule($0, inv)) }
        let chosen = pick(written, (word: RecipeText.word(recipe.schedule), schedule: recipe.schedule), "schedule", \.word)

        var o = TrainOptions()
        o.epochs = inv[epochs]
        o.learningRate = Float(rate)
        o.batchSize = batchValue
        o.optimizer = inv[optimizer]
        o.momentum = Float(momentumValue)
        o.nesterov = nesterovValue
        o.weightDecay = Float(decay)
        o.schedule = chosen.schedule
        o.warmupEpochs = inv[warmup]
        o.augmentation = augmentation(inv)
        o.groups["sigmoid-bn"] = ParameterGroupRule(lrMultiplier: Float(inv[scaleLR]), weightDecay: inv[scaleWD])
        let logged: [String: RunLogEvent.OptionValue] = [
            "epochs": .number(Double(o.epochs)), "lr": .number(rate), "momentum": .number(momentumValue),
            "nesterov": .flag(nesterovValue), "batch": .number(Double(batchValue)), "wd": .number(decay),
            "schedule": .text(chosen.word)]
        return Resolved(options: o, fromRecipe: fromRecipe, logged: logged)
    }

    /// pad= and flip, with augment standing for pad=4 flip; a pad= written beside augment wins.
    private func augmentation(_ inv: VerbInvocation) -> Augmentation {
        let padding = inv[pad]
        let standard = inv[augment]
        return Augmentation(cropPadding: padding > 0 ? padding : (standard ? Augmentation.standard.cropPadding : 0),
                            horizontalFlip: inv[flip] || standard)
    }

    private func lrSchedule(_ s: Schedule, _ inv: VerbInvocation) -> LRSchedule {
        switch s {
        case .step: return .step(every: inv[stepEvery], gamma: Float(inv[gamma]))
        case .cosine: return .cosine(minimum: 0)
        case .const: return .constant
        }
    }
}

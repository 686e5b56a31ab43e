import Engine
import Foundation

/// A training recipe as people read it: the line `train` prints and `:help train` shows, written
/// with the option names and words a script would use (`wd 5e-4`, `schedule cosine`).
enum RecipeText {
    /// Plain decimals, except small rates and decays in the 5e-4 form scripts write them in.
    static func number(_ v: Double) -> String {
        if v > 0 && v < 1e-3 {
            let exponent = Int(floor(log10(v)))
            let mantissa = v / pow(10, Double(exponent))
            return String(format: "%ge%d", (mantissa * 1e6).rounded() / 1e6, exponent)
        }
        return String(format: "%g", v)
    }

    /// The `schedule=` word of a schedule (recipes use only the ones the option offers).
    static func word(_ s: LRSchedule) -> String {
        switch s {
        case .constant: return "const"
        case .step: return "step"
        case .multiStep: return "multistep"
        case .cosine: return "cosine"
        }
    }

    /// "lr 0.05, momentum 0.9, ..." as `verb` uses the recipe.
    static func describe(_ r: TrainingRecipe, verb: String) -> String {
        let rate = verb == "finetune" ? r.finetuneLearningRate : r.learningRate
        return "lr \(number(rate)), momentum \(number(r.momentum)), nesterov \(r.nesterov), batch \(r.batchSize), "
            + "wd \(number(r.weightDecay)), schedule \(word(r.schedule))"
    }

    /// What `:help train` and `:help finetune` add below the verb's help: the recipe the loaded
    /// model gives the options the script leaves out. Nil for other verbs.
    static func help(verb: String, session: Session) -> String? {
        guard verb == "train" || verb == "finetune" else { return nil }
        guard let model = session.model else {
            return "options marked \(TrainOptionDeclarations.fromRecipe) take the loaded model's recipe; zoo models carry their own,\n"
                + "other models use the generic recipe: \(describe(.generic, verb: verb))"
        }
        if Zoo.names.contains(model.architecture) {
            return "recipe for \(model.architecture): \(describe(session.recipe, verb: verb))"
        }
        return "generic recipe (\(model.architecture) is not a zoo model): \(describe(session.recipe, verb: verb))"
    }
}

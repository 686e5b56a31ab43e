import Engine
import Language
import Pruning

/// Builds the training penalty a `train penalty=...` command asks for.
enum Penalties {
    static func make(_ inv: VerbInvocation, model: Model, session: Session) throws -> [TrainingPenalty] {
        let penalty = inv.text("penalty") ?? "none"
        do {
            switch penalty {
            case "none":
                return []
            case "l1":
                try L1ScalePenalty.check(model)
                return [try L1ScalePenalty(lambda: inv.float("lambda") ?? 1e-4)]
            default:
                throw VerbError("penalty '\(penalty)' is not available yet in this version of prn",
                                help: "train without it (penalty=none) or with penalty=l1")
            }
        } catch let e as PruningError {
            throw VerbError("\(e)")
        }
    }
}

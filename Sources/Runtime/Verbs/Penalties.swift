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
            default:
                var options: [String: Double] = [:]
                if let shift = inv.double("shift") { options["shift"] = shift }
                guard let p = try MethodCatalog.penalty(penalty, lambda: inv.float("lambda"), options: options, model: model) else {
                    throw VerbError("penalty '\(penalty)' is not available yet in this version of prn",
                                    help: "train without it (penalty=none)")
                }
                return [p]
            }
        } catch let e as PruningError {
            throw VerbError("\(e)")
        }
    }
}

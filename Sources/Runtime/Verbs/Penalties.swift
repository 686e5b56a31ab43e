import Engine
import Language

/// Builds the training penalty a `train penalty=...` command asks for.
enum Penalties {
    static func make(_ inv: VerbInvocation, model: Model, session: Session) throws -> [TrainingPenalty] {
        switch inv.text("penalty") ?? "none" {
        case "none":
            return []
        case let other:
            throw VerbError("penalty '\(other)' is not available yet in this version of prn",
                            help: "train without it (penalty=none)")
        }
    }
}

import Engine
import Language
import Pruning

/// Builds the training penalty a `train penalty=...` command asks for.
enum Penalties {
    enum Name: String, CaseIterable, Sendable {
        case none, l1, receding, pat

        var help: String {
            switch self {
            case .none: return "plain cross-entropy"
            case .l1: return "lambda * sum |gamma| over batch-norm scales (network slimming)"
            case .receding: return "lambda * sum u(1 - ln u), u = sigma(theta + shift) (needs norm=sigmoid)"
            case .pat: return "pruning-aware training: entropy of relative contributions"
            }
        }
    }

    static let penalty = VerbParameter<Name>.choice("penalty", default: .none, noun: "penalty", describe: \.help)
    static let lambda = VerbParameter<Double?>.number("lambda", min: Bound(0), max: nil, help: "penalty strength (default per penalty)")
    static let shift = VerbParameter<Double>.number("shift", min: nil, max: nil, default: 3,
                                                    help: "receding penalty shift b in sigma(theta + b)")
    static let options = [penalty.spec, lambda.spec, shift.spec]

    /// The penalty a command chose, nil for none.
    static func chosen(_ inv: VerbInvocation) -> String? {
        let name = inv[penalty]
        return name == .none ? nil : name.rawValue
    }

    static func make(_ inv: VerbInvocation, model: Model, session: Session) throws -> [TrainingPenalty] {
        guard let name = chosen(inv) else { return [] }
        do {
            guard let p = try MethodCatalog.penalty(name, lambda: inv[lambda].map { Float($0) },
                                                    options: ["shift": inv[shift]], model: model) else {
                throw VerbError("penalty '\(name)' is not available yet in this version of prn",
                                help: "train without it (penalty=none)")
            }
            return [p]
        } catch let e as PruningError {
            throw VerbError("\(e)")
        }
    }
}

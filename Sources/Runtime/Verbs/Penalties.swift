import Engine
import Language
import Pruning

/// `train penalty=NAME`: the penalty's word and its options (lambda, shift) come from the method
/// catalog, one variant per penalty, so each penalty shows and checks its own defaults.
enum Penalties {
    static let penalty = VerbParameter<String>(
        "penalty", .choice(MethodCatalog.penalties.map { Choice($0.name, $0.help) }), default: "none",
        written: .word("none"), help: "", noun: "penalty", decode: { switch $0 { case .word(let w), .string(let w): return w; default: return nil } })
    static let options = [penalty.spec]
    static let variants = MethodCatalog.penalties.map {
        OptionVariant($0.name, options: $0.options.map(MethodOptions.spec), needs: MethodOptions.needs($0.needs))
    }

    /// The penalty a command chose, nil for none.
    static func chosen(_ inv: VerbInvocation) -> String? {
        let name = inv[penalty]
        return name == "none" ? nil : name
    }

    static func make(_ inv: VerbInvocation, model: Model, session: Session) throws -> [TrainingPenalty] {
        guard let method = MethodCatalog.penalty(inv[penalty]) else {
            throw VerbError("penalty '\(inv[penalty])' is not available in this version of prn", help: "train without it (penalty=none)")
        }
        do {
            return try method.penalty(MethodOptions.given(inv, declared: method.options), model: model).map { [$0] } ?? []
        } catch let e as PruningError {
            throw VerbError("\(e)", cause: e)
        }
    }
}

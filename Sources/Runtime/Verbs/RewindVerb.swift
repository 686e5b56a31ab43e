import Engine
import Language
import Pruning

/// `rewind NAME`: the weights of a checkpoint with the masks the model has now: lottery-ticket
/// style iterative pruning (prune, rewind to the initial or an early checkpoint, train again).
/// Rewinding to a checkpoint of another random initialisation gives the re-initialised control.
enum RewindVerb {
    static let name = RequiredArgument<String>.text("name", .word, help: "checkpoint to take the weights from")

    static let signature = VerbSignature(
        "rewind", summary: "take the weights of a checkpoint, keeping the current masks",
        arguments: [name.argument], requires: ["model"])

    static func run(_ inv: VerbInvocation, _ s: Session) throws -> Value {
        let model = try s.requireModel("rewind")
        let name = try inv[Self.name]
        let snap = try CheckpointVerb.checkpoint(name, in: s)
        do { try ModelSnapshot(snap.model).rewind(model) } catch let e as PruningError {
            throw VerbError("rewind \(name): \(e)", help: "use 'restore \(name)' to go back to the checkpoint with its own masks and shapes")
        }
        let kept = model.parameters.compactMap(\.mask).reduce(0.0) { $0 + $1.sum() }
        let masked = model.parameters.compactMap(\.mask).reduce(0) { $0 + $1.count }
        s.say(masked == 0 ? "rewound to \(name) (no masks)" : "rewound to \(name), keeping \(Int(kept)) of \(masked) masked weights")
        s.logEvent(.rewind(.init(checkpoint: name)))
        return .none
    }
}

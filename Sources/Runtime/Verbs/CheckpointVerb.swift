import Engine
import Language
import Pruning

/// `checkpoint NAME` / `restore NAME`: snapshot and return to a state of the session: the model
/// with its architecture (so it survives pruning surgery), weights, masks and optimizer state,
/// and the pruning state (scores, last report).
enum CheckpointVerb {
    static let name = RequiredArgument<String>.text("name", .word, help: "checkpoint name")

    static let checkpoint = VerbSignature(
        "checkpoint", summary: "remember the session's model and scores under a name",
        arguments: [name.argument], requires: ["model"])
    static let restore = VerbSignature(
        "restore", summary: "return to a checkpoint",
        arguments: [name.argument], provides: ["model"])

    struct Snapshot {
        var model: ModelSnapshot
        var scores: ScoreSet?
        var scoreRequest: ScoreVerb.Request?
        var dense: ModelMeasurement?
        var lastPruning: PruningReport?
        var modelDescription: String
        var modelVariant: String
    }

    static func runCheckpoint(_ inv: VerbInvocation, _ s: Session) throws -> Value {
        let m = try s.requireModel("checkpoint")
        let name = try inv[Self.name]
        s.checkpoints[name] = Snapshot(model: ModelSnapshot(m), scores: s.scores, scoreRequest: s.scoreRequest,
                                       dense: s.denseMeasurement, lastPruning: s.lastPruning,
                                       modelDescription: s.modelDescription, modelVariant: s.modelVariant)
        s.say("checkpoint \(name)")
        return .none
    }

    static func runRestore(_ inv: VerbInvocation, _ s: Session) throws -> Value {
        let name = try inv[Self.name]
        guard let snap = s.checkpoints[name] else {
            let known = s.checkpoints.keys.sorted()
            throw VerbError("no checkpoint named '\(name)'",
                            help: known.isEmpty ? "make one first with 'checkpoint \(name)'" : "checkpoints: \(known.joined(separator: ", "))")
        }
        s.model = try snap.model.makeModel()
        s.scores = snap.scores
        s.scoreRequest = snap.scoreRequest
        s.denseMeasurement = snap.dense
        s.lastPruning = snap.lastPruning
        s.modelDescription = snap.modelDescription
        s.modelVariant = snap.modelVariant
        s.say("restored \(name)")
        return .none
    }
}

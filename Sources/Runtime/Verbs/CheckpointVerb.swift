import Engine
import Language
import Pruning

/// `checkpoint NAME` / `restore NAME`: copy the session's model part (ModelState: the model with
/// its architecture, weights, masks and optimizer state, its description and variant, its dense
/// measurement, last pruning report and scores) and put that copy back as a whole. A checkpoint
/// taken before `score` or `prune` restores a model with no scores and no pruning report.
enum CheckpointVerb {
    static let name = RequiredArgument<String>.text("name", .word, help: "checkpoint name")

    static let checkpoint = VerbSignature(
        "checkpoint", summary: "remember the session's model and scores under a name",
        arguments: [name.argument], requires: ["model"])
    static let restore = VerbSignature(
        "restore", summary: "return to a checkpoint",
        arguments: [name.argument], provides: ["model"])

    static func runCheckpoint(_ inv: VerbInvocation, _ s: Session) throws -> Value {
        let state = try s.requireModelState("checkpoint")
        let name = try inv[Self.name]
        s.checkpoints[name] = try state.copied()
        s.say("checkpoint \(name)")
        return .none
    }

    static func runRestore(_ inv: VerbInvocation, _ s: Session) throws -> Value {
        let name = try inv[Self.name]
        let saved = try checkpoint(name, in: s)
        // A copy again, so the checkpoint stays as it was for a later restore.
        s.modelState = try saved.copied()
        s.modelState?.model.configuration = s.configuration
        s.say("restored \(name)")
        return .none
    }

    /// The checkpoint `name`, or an error listing the checkpoints there are (restore and rewind).
    static func checkpoint(_ name: String, in s: Session) throws -> ModelState {
        guard let saved = s.checkpoints[name] else {
            let known = s.checkpoints.keys.sorted()
            throw VerbError("no checkpoint named '\(name)'",
                            help: known.isEmpty ? "make one first with 'checkpoint \(name)'" : "checkpoints: \(known.joined(separator: ", "))")
        }
        return saved
    }
}

import Engine
import Language

/// `checkpoint NAME` / `restore NAME`: snapshot and return to a state of the session (model
/// with its architecture, weights, masks and optimizer state; the pruning state).
enum CheckpointVerb {
    static let checkpoint = VerbSignature(
        "checkpoint", summary: "remember the session's model and scores under a name",
        arguments: [ArgumentSpec("name", .word, help: "checkpoint name")], requires: ["model"])
    static let restore = VerbSignature(
        "restore", summary: "return to a checkpoint",
        arguments: [ArgumentSpec("name", .word, help: "checkpoint name")], provides: ["model"])

    struct Snapshot {
        var architecture: Architecture
        var values: [String: (value: Tensor, mask: Tensor?, state: [String: Tensor])]
        var extensions: [String: Any]
        var modelDescription: String

        init(_ s: Session, _ m: Model) {
            architecture = Architecture(of: m)
            values = [:]
            for p in m.parameters {
                values[p.name] = (p.value.copy(), p.mask?.copy(), p.state.mapValues { $0.copy() })
            }
            extensions = s.extensions
            modelDescription = s.modelDescription
        }

        func rebuild() throws -> Model {
            let m = try architecture.instantiate()
            for p in m.parameters {
                guard let v = values[p.name] else { continue }
                p.value.copy(from: v.value)
                p.mask = v.mask?.copy()
                p.state = v.state.mapValues { $0.copy() }
            }
            return m
        }
    }


    static func runCheckpoint(_ inv: VerbInvocation, _ s: Session) throws -> Value {
        let m = try s.requireModel("checkpoint")
        let name = inv.text("name") ?? ""
        s.checkpoints[name] = Snapshot(s, m)
        s.say("checkpoint \(name)")
        return .none
    }

    static func runRestore(_ inv: VerbInvocation, _ s: Session) throws -> Value {
        let name = inv.text("name") ?? ""
        guard let snap = s.checkpoints[name] else {
            let known = s.checkpoints.keys.sorted()
            throw VerbError("no checkpoint named '\(name)'",
                            help: known.isEmpty ? "make one first with 'checkpoint \(name)'" : "checkpoints: \(known.joined(separator: ", "))")
        }
        s.model = try snap.rebuild()
        s.extensions = snap.extensions
        s.modelDescription = snap.modelDescription
        s.say("restored \(name)")
        return .none
    }
}

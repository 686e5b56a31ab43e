import Language

/// The verb table and handlers: adding a verb is one file plus one line here.
public enum Verbs {
    typealias Run = (VerbInvocation, Session) throws -> Value

    static var entries: [(VerbSignature, Run)] {
        [
            (SeedVerb.signature, SeedVerb.run),
            (DataVerb.signature, DataVerb.run),
            (LoadVerb.signature, LoadVerb.run),
            (TrainVerb.train, TrainVerb.runTrain),
            (ScoreVerb.signature, ScoreVerb.run),
            (PruneVerb.signature, PruneVerb.run),
            (TrainVerb.finetune, TrainVerb.runFinetune),
            (EvalVerb.signature, EvalVerb.run),
            (CheckpointVerb.checkpoint, CheckpointVerb.runCheckpoint),
            (CheckpointVerb.restore, CheckpointVerb.runRestore),
            (RewindVerb.signature, RewindVerb.run),
            (SaveVerb.save, SaveVerb.runSave),
            (SaveVerb.export, SaveVerb.runExport),
            (ShowVerb.signature, ShowVerb.run),
            (ReportVerb.signature, ReportVerb.run),
        ]
    }

    /// Signatures only: what `prn check`, `:help`, completion and the docs read.
    public static var table: VerbTable { VerbTable(entries.map(\.0)) }

    /// Signatures with handlers bound to a session.
    public static func registry(for session: Session) -> VerbRegistry {
        var registry = VerbRegistry()
        for (signature, run) in entries {
            registry.register(signature) { inv in
                let value: Value
                do { value = try run(inv, session) } catch {
                    // A command stopped because its log failed reports the log, not "interrupted".
                    if let failure = session.takeLogFailure() { throw failure }
                    throw error
                }
                if let failure = session.takeLogFailure() { throw failure }
                session.history.append(CommandText.canonical(inv))
                return value
            }
        }
        return registry
    }
}

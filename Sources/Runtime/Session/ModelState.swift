import Engine
import Pruning

/// The model and everything that describes it: how it was asked for, its variant, its size when
/// loaded, its last pruning and its scores. The parts travel together: `load` replaces the whole
/// (nothing of the previous model survives), `checkpoint` copies the whole and `restore` puts
/// the copy back. Scores belong here because they rank one model's weights: restored without
/// them, or kept across a restore, they would rank weights of another model.
public struct ModelState {
    public var model: Model
    /// How the model was asked for (a zoo name or a file path), for `show` and the REPL.
    public var description: String
    /// How the model differs from its zoo default in ways its architecture name does not say:
    /// a requested norm and the training penalties applied ("norm=sigmoid penalty=receding").
    /// Kept in saved model files and run logs so reports keep such models apart.
    public var variant: String
    /// The model as measured when it was loaded, so reports compare against the dense original.
    public var dense: ModelMeasurement?
    /// The report of the last `prune` since the model was loaded.
    public var lastPruning: PruningReport?
    /// The last `score` of this model, if any.
    public var scores: ScoreState?

    /// A freshly loaded model: measured as it is, never pruned, not scored.
    init(loaded model: Model, description: String, variant: String) {
        self.model = model
        self.description = description
        self.variant = variant
        dense = try? ModelMeasurement.measure(model)
        lastPruning = nil
        scores = nil
    }

    /// The same state around a copy of the model (weights, masks, optimizer state and the
    /// architecture, so it survives pruning surgery), which nothing else holds.
    func copied() throws -> ModelState {
        var copy = self
        copy.model = try ModelSnapshot(model).makeModel()
        return copy
    }

    /// Adds one "key=value" to `variant` (once).
    mutating func addVariant(_ word: String) {
        let words = variant.split(separator: " ").map(String.init)
        if !words.contains(word) { variant = (words + [word]).joined(separator: " ") }
    }
}

/// Scores of the last `score`, with the options that made them (iterative pruning rescores).
public struct ScoreState {
    public var scores: ScoreSet
    var request: ScoreVerb.Request
}

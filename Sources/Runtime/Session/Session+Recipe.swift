import Engine

extension Session {
    /// The loaded model's training recipe. It follows the model's architecture name, which the
    /// model keeps through save, load, checkpoint and restore, so a saved lenet5 trains as one.
    public var recipe: TrainingRecipe { model.map { Zoo.recipe(for: $0.architecture) } ?? .generic }

    /// The name the recipe goes by in the line training prints.
    var recipeName: String {
        guard let name = model?.architecture, Zoo.names.contains(name) else { return "generic" }
        return name
    }
}

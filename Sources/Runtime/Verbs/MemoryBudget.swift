import Engine
import Foundation

/// Refuses models and batches that would not fit, before allocating them, with the amount
/// needed. The budget is `PRN_MEMORY_GB` or 3/4 of physical memory.
enum MemoryBudget {
    static var bytes: Double { EnvironmentSettings.memoryBudgetBytes() }

    /// Parameters (value, gradient, two optimizer states) plus activations and their gradients
    /// for one batch: a deliberate over-estimate.
    static func estimate(model: Model, batch: Int) throws -> Double {
        let params = Double(model.parameters.reduce(0) { $0 + $1.value.count }) * 4 * 4
        let shapes = try model.shapes()
        let activations = shapes.reduce(0.0) { $0 + Double($1.reduce(1, *)) } * Double(batch) * 4 * 3
        return params + activations
    }

    /// Before building: weights alone (value, gradient, two optimizer states) of `weights`
    /// parameters, from a lower bound computed without allocating.
    static func checkBeforeBuilding(_ what: String, weights: Double) throws {
        let need = weights * 4 * 4
        guard need <= bytes else {
            throw VerbError(String(format: "%@ needs at least %.1f GB of memory for its weights alone (%.3g weights), more than the %.1f GB budget", what, need / 1e9, weights, bytes / 1e9),
                            help: "use a smaller width=, hidden= or classes=, or raise PRN_MEMORY_GB")
        }
    }

    static func check(model: Model, batch: Int) throws {
        let need = try estimate(model: model, batch: batch)
        guard need <= bytes else {
            throw VerbError(String(format: "this needs about %.1f GB of memory with batch %d, more than the %.1f GB budget", need / 1e9, batch, bytes / 1e9),
                            help: "use a smaller width= or batch=, or raise PRN_MEMORY_GB")
        }
    }
}

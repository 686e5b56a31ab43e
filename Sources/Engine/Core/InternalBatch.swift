import Foundation

/// The batch size of passes prn makes on its own behalf (the latency probe, evaluation and
/// scoring when the script does not set `batch=`): the preferred size, made smaller for models
/// whose activations would not fit a slice of the memory budget. On 28x28 or 32x32 inputs the
/// preferred 256 fits; on a 224x224 VGG one sample's activations take tens of megabytes, and 256
/// of them took 11.5 GB for a latency probe alone.
public enum InternalBatch {
    /// At most this much memory for the activations of one internal batch.
    public static let ceilingBytes = Double(1 << 30)

    /// The activation budget of one internal batch: an eighth of the memory budget
    /// (`PRN_MEMORY_GB`, else 3/4 of RAM), at most `ceilingBytes`; an internal pass is never
    /// worth more memory than the model itself and the data need.
    public static func budgetBytes(memoryBudget: Double = EnvironmentSettings.memoryBudgetBytes()) -> Double {
        min(memoryBudget / 8, ceilingBytes)
    }

    /// Float32 bytes one sample's forward pass holds: every node's output, which `Model.forward`
    /// keeps until the pass ends, and the input. A pass that also computes gradients holds about
    /// three times as much (outputs, gradients, accumulation buffers): `factor` 3.
    public static func activationBytesPerSample(_ model: Model, factor: Double = 1) throws -> Double {
        let values = try model.shapes().reduce(0.0) { $0 + Double($1.reduce(1, *)) }
        return values * 4 * factor
    }

    /// The largest batch of at most `preferred` whose activations fit `budget`; at least 1 (a
    /// sample that alone exceeds the budget is still run one at a time).
    public static func size(preferred: Int, bytesPerSample: Double, budget: Double) -> Int {
        guard bytesPerSample > 0, budget.isFinite else { return max(preferred, 1) }
        let fitting = (budget / bytesPerSample).rounded(.down)
        return max(1, min(preferred, fitting >= Double(Int.max) ? preferred : Int(fitting)))
    }

    /// `size` for `model`, by default with the internal-batch budget of this process.
    public static func size(for model: Model, preferred: Int, factor: Double = 1, budget: Double = budgetBytes()) -> Int {
        guard let bytes = try? activationBytesPerSample(model, factor: factor) else { return preferred }
        return size(preferred: preferred, bytesPerSample: bytes, budget: budget)
    }
}

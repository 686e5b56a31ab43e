/// An estimate of how well the remaining inputs of a layer predict its target, on one fold's
/// validation rows. MIPP asks what the loss would be without input i, then (when the node is
/// redundant) removes it for good; removals accumulate.
public protocol MIPPPredictor: AnyObject {
    /// Validation loss of predicting nothing (the standardized target's squared norm): the
    /// loss of f(0), the yardstick relative losses are measured against.
    var nothingLoss: Double { get }
    /// Validation loss with the inputs still present.
    var loss: Double { get }
    /// Validation loss once input `i` is masked (and, for refit predictors, refit).
    func lossWithout(_ i: Int) -> Double
    /// Masks input `i` for good; for refit predictors, keeps the refit of the last `lossWithout(i)`.
    func remove(_ i: Int)
}

import Engine
import Foundation

/// The receding-importance penalty (Suteu and Guo 2022): lambda * sum over every sigmoid-BN
/// channel of R(u) = u (1 - ln u), u = sigma(theta + shift).
///
/// dR/dtheta = -ln(u) * u * (1 - u): it vanishes both for strong channels (u -> 1, ln u -> 0)
/// and for dead ones (u -> 0), so only weak channels are pushed down and the importances
/// sigma(theta) become bimodal. ln u is computed as -softplus(-z), which stays finite for any z.
/// `apply` adds the gradient to theta's `grad` after backward; used by `train penalty=receding`.
public final class RecedingPenalty: TrainingPenalty {
    public let name = "receding"
    public let lambda: Float
    public let shift: Float

    /// The authors' code defaults (their VGG-16 runs used lambda 1e-3, ResNet-56 runs shift 0).
    public static let defaultLambda: Float = 1e-4
    public static let defaultShift: Float = 3
    static let lambdaOption = MethodOption<Double>.number("lambda", min: 0, default: Double(defaultLambda),
                                                          help: "penalty strength")
    static let shiftOption = MethodOption<Double>.number("shift", min: nil, default: Double(defaultShift),
                                                         help: "shift b in sigma(theta + b)")

    public init(lambda: Float = RecedingPenalty.defaultLambda, shift: Float = RecedingPenalty.defaultShift) throws {
        guard lambda.isFinite, lambda >= 0 else {
            throw PruningError(.badOption, "penalty=receding: lambda=\(lambda) must be a finite number >= 0 (the authors use 1e-4 to 1e-3)")
        }
        guard shift.isFinite, abs(shift) <= 50 else {
            throw PruningError(.badOption, "penalty=receding: shift=\(shift) must be a number between -50 and 50 (the authors use 0 or 3)")
        }
        self.lambda = lambda
        self.shift = shift
    }

    /// Throws when the model has no sigmoid batch norm, where the penalty would silently do nothing.
    public static func check(_ model: Model, verb: String = "train penalty=receding") throws {
        guard model.nodes.contains(where: { $0.layer is SigmoidBatchNorm }) else {
            let hint = model.nodes.contains(where: { $0.layer is BatchNorm })
                ? "this model has ordinary BatchNorm (norm=bn)" : "this model has no batch norm"
            throw PruningError(.unsupportedModel, "\(verb) acts on the gates sigma(theta) of sigmoid batch norms and \(hint); load a model with norm=sigmoid, e.g. 'load vgg-small norm=sigmoid data=fashion-mnist'")
        }
    }

    /// ln sigma(z) = -softplus(-z), finite for every z.
    @inline(__always) static func logSigmoid(_ z: Double) -> Double {
        let x = -z
        return -(max(x, 0) + log1p(exp(-abs(x))))
    }

    /// R(sigma(theta + shift)) and its derivative with respect to theta (without lambda).
    @inline(__always) public static func term(_ theta: Float, shift: Float) -> (value: Double, derivative: Double) {
        let z = Double(theta) + Double(shift)
        let logU = logSigmoid(z)
        let u = exp(logU)
        let oneMinusU = exp(logSigmoid(-z))
        return (u * (1 - logU), -logU * u * oneMinusU)
    }

    /// lambda * R summed over every sigmoid-BN channel, without touching gradients.
    public func value(_ model: Model) -> Double {
        var total: Double = 0
        for node in model.nodes {
            guard let bn = node.layer as? SigmoidBatchNorm else { continue }
            let theta = bn.weight.value.data
            for c in 0..<bn.weight.value.count { total += RecedingPenalty.term(theta[c], shift: shift).value }
        }
        return Double(lambda) * total
    }

    public func apply(to model: Model) -> Double {
        var total: Double = 0
        let lambda = Double(lambda), shift = shift
        for node in model.nodes {
            guard let bn = node.layer as? SigmoidBatchNorm else { continue }
            let theta = bn.weight.value.data, grad = bn.weight.grad.data
            for c in 0..<bn.weight.value.count {
                let t = RecedingPenalty.term(theta[c], shift: shift)
                total += t.value
                grad[c] += Float(lambda * t.derivative)
            }
        }
        return lambda * total
    }
}

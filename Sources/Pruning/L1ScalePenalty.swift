import Engine

/// Network slimming's sparsity term (Liu et al. 2017): lambda * sum |gamma| over the scales of
/// every BatchNorm. `apply` adds the subgradient lambda * sign(gamma) (0 at gamma = 0) to the
/// scales' gradients and returns the penalty's value; used by `train penalty=l1`.
public final class L1ScalePenalty: TrainingPenalty {
    public let name = "l1"
    public let lambda: Float

    static let lambdaOption = MethodOption<Double>.number("lambda", min: 0, default: 1e-4, help: "penalty strength")

    public init(lambda: Float) throws {
        guard lambda.isFinite, lambda >= 0 else {
            throw PruningError(.badOption, "penalty=l1: lambda=\(lambda) must be a finite number >= 0 (slimming uses about 1e-4)")
        }
        self.lambda = lambda
    }

    /// Throws when the model has no BatchNorm, where the penalty would silently do nothing.
    public static func check(_ model: Model) throws {
        guard model.nodes.contains(where: { $0.layer is BatchNorm }) else {
            throw PruningError(.unsupportedModel, "penalty=l1 acts on BatchNorm scales and this model has none; load it with norm=bn")
        }
    }

    public func apply(to model: Model) -> Double {
        var total: Double = 0
        for node in model.nodes {
            guard let bn = node.layer as? BatchNorm else { continue }
            let w = bn.weight.value.data, g = bn.weight.grad.data, lambda = lambda
            for c in 0..<bn.weight.value.count {
                let v = w[c]
                total += Double(abs(v))
                g[c] += v > 0 ? lambda : (v < 0 ? -lambda : 0)
            }
        }
        return Double(lambda) * total
    }
}

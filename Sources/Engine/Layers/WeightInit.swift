/// How a layer's weights are drawn before training.
/// - pytorchDefault: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias (PyTorch's
///   Kaiming-uniform with a = sqrt(5), which reduces to this bound).
/// - kaimingNormalFanIn / kaimingNormalFanOut: N(0, 2/fan) for the weight, bias 0
///   (`nn.init.kaiming_normal_` with mode fan_in / fan_out, ReLU gain).
public enum WeightInit: String, Sendable, CaseIterable {
    case pytorchDefault, kaimingNormalFanIn, kaimingNormalFanOut

    /// Fills `weight` and `bias` given the layer's fan-in and fan-out.
    func fill(weight: Tensor, bias: Tensor?, fanIn: Int, fanOut: Int, _ rng: inout RandomStream) {
        switch self {
        case .pytorchDefault:
            let bound = 1 / Float(Swift.max(1, fanIn)).squareRoot()
            for i in 0..<weight.count { weight[i] = rng.uniform(-bound, bound) }
            if let b = bias { for i in 0..<b.count { b[i] = rng.uniform(-bound, bound) } }
        case .kaimingNormalFanIn, .kaimingNormalFanOut:
            let fan = self == .kaimingNormalFanIn ? fanIn : fanOut
            let std = (2 / Float(Swift.max(1, fan))).squareRoot()
            for i in 0..<weight.count { weight[i] = rng.normal() * std }
            bias?.zero()
        }
    }
}

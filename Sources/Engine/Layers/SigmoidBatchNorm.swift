import Foundation

/// Batch normalisation whose per-channel scale is a gate in (0, 1) and which has no shift:
/// y = sigmoid(theta_c) * (x - mu_c) / sqrt(var_c + eps) (receding-importance pruning).
/// sigmoid(theta_c) is channel c's importance; statistics as in ChannelNormalizer.
/// backward dtheta += sigmoid'(theta) * sum dy*xhat ; dx as in ChannelNormalizer with scale sigmoid(theta).
public final class SigmoidBatchNorm: Layer {
    public let kind = "sigmoid-batchnorm"
    /// theta, role .scale, optimizer group "sigmoid-bn".
    public let weight: Parameter
    private let core: ChannelNormalizer
    private var gates: Tensor?
    public var runningMean: Parameter { core.runningMean }
    public var runningVar: Parameter { core.runningVar }
    public var eps: Float { core.eps }
    public var momentum: Float { core.momentum }
    public var channels: Int { weight.value.count }
    public var config: [String: Double] {
        ["channels": Double(channels), "eps": Double(eps), "momentum": Double(momentum)]
    }
    public var parameters: [Parameter] { [weight, core.runningMean, core.runningVar] }

    public init(_ channels: Int, eps: Float = 1e-5, momentum: Float = 0.1) {
        core = ChannelNormalizer(channels: channels, eps: eps, momentum: momentum)
        weight = Parameter(name: "weight", role: .scale, value: Tensor(shape: [channels]))
        weight.group = "sigmoid-bn"
    }

    /// theta ~ N(0, 1).
    public func initialize(_ rng: inout RandomStream) {
        for i in 0..<weight.value.count { weight.value[i] = rng.normal() }
    }

    /// sigmoid(theta) per channel.
    public var importances: [Float] { (0..<channels).map { SigmoidBatchNorm.sigmoid(weight.value[$0]) } }

    static func sigmoid(_ t: Float) -> Float { 1 / (1 + expf(-t)) }

    public func outputShape(_ s: [[Int]]) throws -> [Int] { try core.outputShape(s, kind: kind) }

    private func refreshGates() -> UnsafeMutablePointer<Float> {
        precondition(core.channels == channels, "sigmoid-batchnorm: theta and running statistics disagree on channel count after surgery")
        let g = Tensor.reuse(&gates, shape: [channels])
        for c in 0..<channels { g[c] = SigmoidBatchNorm.sigmoid(weight.value[c]) }
        return g.data
    }

    public func forward(_ inputs: [Tensor], mode: Mode) -> Tensor {
        core.forward(inputs[0], mode: mode, scale: refreshGates(), shift: nil, kind: kind)
    }

    public func backward(_ dy: Tensor, needInputGrad: [Bool]) -> [Tensor?] {
        guard let g = gates?.data else { preconditionFailure("sigmoid-batchnorm.backward before forward") }
        let dx = core.backward(dy, needInputGrad: needInputGrad[0], scale: g, kind: kind)
        guard let sgx = core.sumGradXhat?.data else { return [dx] }
        let gw = weight.grad.data
        for c in 0..<channels { gw[c] += sgx[c] * g[c] * (1 - g[c]) }
        return [dx]
    }

    /// Keeps the listed channels (structured pruning), in order.
    public func keepChannels(_ keep: [Int]) {
        for p in parameters { p.replace(with: Tensor(shape: [keep.count], values: keep.map { p.value[$0] })) }
        core.reset()
    }
}

/// Batch normalisation over channels of [B,C] or [B,C,H,W] (PyTorch's BatchNorm1d/2d):
/// y = gamma_c * (x - mu_c) / sqrt(var_c + eps) + beta_c. Statistics: see ChannelNormalizer.
/// backward dgamma += sum dy*xhat ; dbeta += sum dy ; dx as in ChannelNormalizer.
public final class BatchNorm: Layer, ReLUFusable {
    public let kind = "batchnorm"
    /// gamma, role .scale: channel-importance scorers (network slimming) read it.
    public let weight: Parameter
    public let bias: Parameter
    private let core: ChannelNormalizer
    public var runningMean: Parameter { core.runningMean }
    public var runningVar: Parameter { core.runningVar }
    public var eps: Float { core.eps }
    public var momentum: Float { core.momentum }
    public var channels: Int { weight.value.count }
    public var config: [String: Double] {
        ["channels": Double(channels), "eps": Double(eps), "momentum": Double(momentum)]
    }
    public var parameters: [Parameter] { [weight, bias, core.runningMean, core.runningVar] }

    public init(_ channels: Int, eps: Float = 1e-5, momentum: Float = 0.1) {
        core = ChannelNormalizer(channels: channels, eps: eps, momentum: momentum)
        weight = Parameter(name: "weight", role: .scale, value: Tensor(shape: [channels], repeating: 1))
        bias = Parameter(name: "bias", role: .bias, value: Tensor(shape: [channels]))
    }

    public func outputShape(_ s: [[Int]]) throws -> [Int] { try core.outputShape(s, kind: kind) }

    public func forward(_ inputs: [Tensor], mode: Mode) -> Tensor { forward(inputs, mode: mode, relu: false) }

    public func forward(_ inputs: [Tensor], mode: Mode, relu: Bool) -> Tensor {
        checkSizes()
        return core.forward(inputs[0], mode: mode, scale: weight.value.data, shift: bias.value.data, kind: kind,
                            relu: relu)
    }

    /// A training forward with the residual join after the norm folded in (TrainingFusion): the
    /// norm plus `residual`, then ReLU when `relu`.
    func forward(_ x: Tensor, residual: Tensor, relu: Bool) -> Tensor {
        checkSizes()
        return core.forward(x, mode: .train, scale: weight.value.data, shift: bias.value.data, kind: kind, relu: relu,
                            residual: residual)
    }

    public func backward(_ dy: Tensor, needInputGrad: [Bool]) -> [Tensor?] {
        let dx = core.backward(dy, needInputGrad: needInputGrad[0], scale: weight.value.data, kind: kind)
        guard let sg = core.sumGrad?.data, let sgx = core.sumGradXhat?.data else { return [dx] }
        let gw = weight.grad.data, gb = bias.grad.data
        for c in 0..<channels { gw[c] += sgx[c]; gb[c] += sg[c] }
        return [dx]
    }

    /// The eval-mode map y = scale[c] * x + shift[c] (running statistics), the one the layer's
    /// own eval forward applies.
    public func evalAffine() -> (scale: [Float], shift: [Float]) {
        checkSizes()
        return core.evalAffine(scale: weight.value.data, shift: bias.value.data)
    }

    /// Surgery replaces all four tensors; a mismatch would read out of bounds, so stop clearly.
    private func checkSizes() {
        precondition(bias.value.count == channels && core.channels == channels,
                     "batchnorm: weight, bias and running statistics disagree on channel count after surgery")
    }

    /// Keeps the listed channels (structured pruning), in order.
    public func keepChannels(_ keep: [Int]) {
        for p in parameters { p.replace(with: Tensor(shape: [keep.count], values: keep.map { p.value[$0] })) }
        core.reset()
    }
}

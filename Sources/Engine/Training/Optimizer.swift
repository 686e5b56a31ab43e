import Foundation

/// Learning-rate multiplier and weight-decay rule for one parameter group.
public struct ParameterGroupRule: Sendable, Equatable {
    public var lrMultiplier: Float
    public var weightDecay: Bool
    public init(lrMultiplier: Float = 1, weightDecay: Bool = true) {
        self.lrMultiplier = lrMultiplier
        self.weightDecay = weightDecay
    }
}

/// Updates parameters from their gradients. Masks are honoured on both sides of the step:
/// gradients are masked before it, values and optimizer state after it, so a pruned weight stays
/// exactly zero through any amount of fine-tuning.
public protocol Optimizer: AnyObject {
    var learningRate: Float { get set }
    func step(_ parameters: [Parameter])
}

public extension Optimizer {
    func maskGradients(_ p: Parameter) {
        guard let m = p.mask, m.count == p.grad.count else { return }
        let g = p.grad.data, mp = m.data
        for i in 0..<m.count { g[i] *= mp[i] }
    }
}

/// SGD exactly as PyTorch defines it (dampening 0):
/// d = g + wd * w ; buf = mu * buf + d ; d = nesterov ? d + mu * buf : buf ; w -= lr * d
public final class SGD: Optimizer {
    public var learningRate: Float
    public var momentum: Float
    public var nesterov: Bool
    public var weightDecay: Float
    public var groups: [String: ParameterGroupRule]

    public init(learningRate: Float, momentum: Float = 0, nesterov: Bool = false, weightDecay: Float = 0,
                groups: [String: ParameterGroupRule] = [:]) {
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        self.groups = groups
    }

    public func step(_ parameters: [Parameter]) {
        for p in parameters where p.trainable {
            maskGradients(p)
            let rule = groups[p.group] ?? ParameterGroupRule()
            let lr = learningRate * rule.lrMultiplier
            let wd = rule.weightDecay ? weightDecay : 0
            let n = p.value.count, w = p.value.data, g = p.grad.data
            if momentum == 0 {
                for i in 0..<n { w[i] -= lr * (g[i] + wd * w[i]) }
            } else {
                let buf = stateTensor(p, "momentum")
                let b = buf.data, mu = momentum
                // PyTorch initialises the buffer to the first gradient; zero-initialised momentum
                // followed by buf = mu*0 + d gives the same value.
                if nesterov {
                    for i in 0..<n { let d = g[i] + wd * w[i]; b[i] = mu * b[i] + d; w[i] -= lr * (d + mu * b[i]) }
                } else {
                    for i in 0..<n { let d = g[i] + wd * w[i]; b[i] = mu * b[i] + d; w[i] -= lr * b[i] }
                }
            }
            p.applyMask()
        }
    }
}

/// Adam (Kingma & Ba) with bias correction; `decoupled` gives AdamW (w -= lr * wd * w first).
public final class Adam: Optimizer {
    public var learningRate: Float
    public var beta1: Float, beta2: Float, eps: Float
    public var weightDecay: Float
    public var decoupled: Bool
    public var groups: [String: ParameterGroupRule]

    public init(learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8,
                weightDecay: Float = 0, decoupled: Bool = false, groups: [String: ParameterGroupRule] = [:]) {
        self.learningRate = learningRate
        self.beta1 = beta1; self.beta2 = beta2; self.eps = eps
        self.weightDecay = weightDecay
        self.decoupled = decoupled
        self.groups = groups
    }

    /// The step count of the bias correction is kept per parameter, beside its moments
    /// ("adam.t"), not in the optimizer: a later `train` or `finetune` (a new optimizer), a
    /// checkpoint restored or a pruned model continues the same moment estimates with the
    /// correction that belongs to them, and loading a model (which clears the moments) restarts both.
    public func step(_ parameters: [Parameter]) {
        for p in parameters where p.trainable {
            let steps = stepCounter(p)
            steps[0] += 1
            let c1 = 1 - Float(Foundation.pow(Double(beta1), Double(steps[0])))
            let c2 = 1 - Float(Foundation.pow(Double(beta2), Double(steps[0])))
            maskGradients(p)
            let rule = groups[p.group] ?? ParameterGroupRule()
            let lr = learningRate * rule.lrMultiplier
            let wd = rule.weightDecay ? weightDecay : 0
            let n = p.value.count, w = p.value.data, g = p.grad.data
            let m = stateTensor(p, "adam.m").data, v = stateTensor(p, "adam.v").data
            let b1 = beta1, b2 = beta2, e = eps, dec = decoupled
            for i in 0..<n {
                if dec { w[i] -= lr * wd * w[i] }
                let gi = dec ? g[i] : g[i] + wd * w[i]
                m[i] = b1 * m[i] + (1 - b1) * gi
                v[i] = b2 * v[i] + (1 - b2) * gi * gi
                w[i] -= lr * (m[i] / c1) / ((v[i] / c2).squareRoot() + e)
            }
            p.applyMask()
        }
    }
}

/// Adam's step count for `p`, a one-element state tensor.
func stepCounter(_ p: Parameter) -> Tensor {
    if let s = p.state["adam.t"], s.count == 1 { return s }
    let s = Tensor(shape: [1])
    p.state["adam.t"] = s
    return s
}

/// Optimizer state lives on the parameter (so checkpoints and surgery carry it along).
func stateTensor(_ p: Parameter, _ key: String) -> Tensor {
    if let s = p.state[key], s.count == p.value.count { return s }
    let s = Tensor(shape: p.value.shape)
    p.state[key] = s
    return s
}

/// A named tensor of a model: a trainable weight (with gradient, optimizer state and optional
/// pruning mask) or a buffer such as BatchNorm's running mean.
///
/// Names are stable and PyTorch-style (`features.3.weight`), so files and reports line up with
/// the equivalent PyTorch modules.
public final class Parameter: @unchecked Sendable {
    public enum Role: String, Sendable { case weight, bias, scale, buffer }

    public var name: String
    public let role: Role
    public var value: Tensor
    public var grad: Tensor
    /// 1 keeps, 0 prunes. Applied to the value after each update and to gradients before it.
    public var mask: Tensor?
    /// Optimizer state by name ("momentum", "adam.m", "adam.v", and Adam's one-entry step count
    /// "adam.t"); entries of the value's size are masked like the value.
    public var state: [String: Tensor] = [:]
    /// Optimizer group, for per-group learning-rate multipliers and weight-decay rules
    /// (for example "sigmoid-bn": 10x learning rate, no weight decay).
    public var group: String = "default"

    public var trainable: Bool { role != .buffer }

    public init(name: String, role: Role, value: Tensor) {
        self.name = name
        self.role = role
        self.value = value
        self.grad = Tensor(shape: role == .buffer ? [0] : value.shape)
    }

    /// Replaces the value (surgery, loading); gradient, state and mask follow the new shape.
    public func replace(with newValue: Tensor, mask newMask: Tensor? = nil) {
        value = newValue
        grad = Tensor(shape: role == .buffer ? [0] : newValue.shape)
        mask = newMask
        state = [:]
    }

    /// Zeroes masked entries of the value, gradient and optimizer state.
    public func applyMask() {
        guard let m = mask else { return }
        let mp = m.data
        for t in [value, grad] + Array(state.values) where t.count == m.count {
            let p = t.data
            for i in 0..<m.count { p[i] *= mp[i] }
        }
    }

    public func zeroGrad() { if trainable { grad.zero() } }

    public var nonZeroCount: Int {
        var n = 0
        for i in 0..<value.count where value.data[i] != 0 { n += 1 }
        return n
    }
}

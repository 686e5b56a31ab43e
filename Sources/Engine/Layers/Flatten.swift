/// [B, d1, d2, ...] -> [B, d1*d2*...]: a view of the input, and backward a view of the gradient
/// in the input's shape (no copies either way).
public final class Flatten: Layer {
    public let kind = "flatten"
    public var config: [String: Double] { [:] }
    private var inputShape: [Int]?

    public init() {}

    public func outputShape(_ s: [[Int]]) throws -> [Int] {
        guard s.count == 1 else { throw ShapeError("flatten takes one input, got \(s.count)") }
        return [s[0].reduce(1, *)]
    }

    public func forward(_ inputs: [Tensor], mode: Mode) -> Tensor {
        let x = inputs[0]
        precondition(x.rank >= 1, "flatten: input needs a batch dimension")
        inputShape = x.shape
        return Tensor(viewOf: x, shape: [x.shape[0], x.shape[0] == 0 ? 0 : x.count / x.shape[0]])
    }

    public func backward(_ dy: Tensor, needInputGrad: [Bool]) -> [Tensor?] {
        guard needInputGrad[0] else { return [nil] }
        guard let shape = inputShape else { preconditionFailure("flatten.backward before forward") }
        return [Tensor(viewOf: dy, shape: shape)]
    }
}

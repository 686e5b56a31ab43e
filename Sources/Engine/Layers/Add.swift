/// Element-wise sum of n >= 1 inputs of one shape (residual joins).
/// forward y = x_1 + ... + x_n ; backward dx_i = dy (a view, for every input asked for).
public final class Add: Layer {
    public let kind = "add"
    public var config: [String: Double] { [:] }
    private var output: Tensor?

    public init() {}

    public func outputShape(_ s: [[Int]]) throws -> [Int] {
        guard let first = s.first else { throw ShapeError("add needs at least one input") }
        for (i, shape) in s.enumerated() where shape != first {
            throw ShapeError("add inputs must share a shape: input 0 is \(first), input \(i) is \(shape)")
        }
        return first
    }

    public func forward(_ inputs: [Tensor], mode: Mode) -> Tensor {
        precondition(!inputs.isEmpty, "add: no inputs")
        let shape = inputs[0].shape
        precondition(inputs.allSatisfy { $0.shape == shape }, "add: input shapes differ: \(inputs.map(\.shape))")
        let y = Tensor.reuse(&output, shape: shape)
        y.copy(from: inputs[0])
        let yp = y.data
        for x in inputs.dropFirst() {
            let xp = x.data
            Parallel.chunks(y.count, minPerThread: 1 << 16) { r in for i in r { yp[i] += xp[i] } }
        }
        return y
    }

    public func backward(_ dy: Tensor, needInputGrad: [Bool]) -> [Tensor?] {
        needInputGrad.map { $0 ? Tensor(viewOf: dy, shape: dy.shape) : nil }
    }
}

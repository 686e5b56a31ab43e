import CKernels

/// Element-wise sum of n >= 1 inputs of one shape (residual joins).
/// forward y = x_1 + ... + x_n ; backward dx_i = dy (a view, for every input asked for).
public final class Add: Layer, ReLUFusable {
    public let kind = "add"
    public var config: [String: Double] { [:] }
    private var output: Tensor?
    private var gradInput: Tensor?
    private var lastReLU = false
    /// The output the backward masks by: this layer's, or one a fused batch norm wrote for it.
    private var lastOutput: Tensor?

    public init() {}

    public func outputShape(_ s: [[Int]]) throws -> [Int] {
        guard let first = s.first else { throw ShapeError("add needs at least one input") }
        for (i, shape) in s.enumerated() where shape != first {
            throw ShapeError("add inputs must share a shape: input 0 is \(first), input \(i) is \(shape)")
        }
        return first
    }

    public func forward(_ inputs: [Tensor], mode: Mode) -> Tensor { forward(inputs, relu: false) }

    public func forward(_ inputs: [Tensor], mode: Mode, relu: Bool) -> Tensor { forward(inputs, relu: relu) }

    /// The sum, with `relu` max(., 0) of it as the ReLU layer computes it (an add -> ReLU chain,
    /// InferenceFusion and TrainingFusion). Two inputs, the residual join, take one pass over the
    /// output.
    public func forward(_ inputs: [Tensor], relu: Bool) -> Tensor {
        precondition(!inputs.isEmpty, "add: no inputs")
        lastReLU = relu
        let shape = inputs[0].shape
        precondition(inputs.allSatisfy { $0.shape == shape }, "add: input shapes differ: \(inputs.map(\.shape))")
        let y = Tensor.reuse(&output, shape: shape)
        lastOutput = y
        let yp = y.data
        if inputs.count == 1 {
            y.copy(from: inputs[0])
            guard relu else { return y }
            // In place: prn_affine_relu allows src == dst; 1 * v + 0 is v, then ReLU as prn_relu.
            Parallel.chunks(y.count, minPerThread: 1 << 16) { r in
                prn_affine_relu(yp + r.lowerBound, yp + r.lowerBound, r.count, 1, 0, 1)
            }
            return y
        }
        for k in 1..<inputs.count {
            let ap = k == 1 ? inputs[0].data : yp, bp = inputs[k].data
            let last = k == inputs.count - 1
            Parallel.chunks(y.count, minPerThread: 1 << 16) { r in
                prn_add_relu(ap + r.lowerBound, bp + r.lowerBound, yp + r.lowerBound, r.count, relu && last ? 1 : 0)
            }
        }
        return y
    }

    /// Takes `output`, computed by the batch norm before this join with the join folded in
    /// (TrainingFusion), as this layer's forward result, for the backward.
    func adopt(output y: Tensor, relu: Bool) {
        lastReLU = relu
        lastOutput = y
    }

    /// After a forward with the ReLU, dy is the ReLU's output gradient: masked once by the output
    /// as the ReLU layer's backward does, and the one masked tensor goes to every input.
    public func backward(_ dy: Tensor, needInputGrad: [Bool]) -> [Tensor?] {
        var g = dy
        if lastReLU, needInputGrad.contains(true), let y = lastOutput {
            g = Tensor.reuse(&gradInput, shape: dy.shape)
            let yp = y.data, gp = dy.data, dp = g.data
            Parallel.chunks(dy.count, minPerThread: 1 << 16) { r in
                prn_relu_backward(yp + r.lowerBound, gp + r.lowerBound, dp + r.lowerBound, r.count)
            }
        }
        return needInputGrad.map { $0 ? Tensor(viewOf: g, shape: g.shape) : nil }
    }
}

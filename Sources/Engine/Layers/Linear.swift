import CKernels

/// Fully connected layer, PyTorch layout: weight [out, in], bias [out].
/// forward  y[B,out] = x[B,in] * W^T + b
/// backward dW[out,in] += dy^T * x ; db += sum_B dy ; dx[B,in] = dy * W
/// Eval mode with a masked weight may run a CSR kernel instead (SparseInference, LinearKernelCost).
public final class Linear: Layer {
    public let kind = "linear"
    public let weight: Parameter
    public let bias: Parameter?
    public var inFeatures: Int { weight.value.shape[1] }
    public var outFeatures: Int { weight.value.shape[0] }
    public var config: [String: Double] {
        ["in": Double(inFeatures), "out": Double(outFeatures), "bias": bias == nil ? 0 : 1]
    }
    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    private var input: Tensor?
    private var output: Tensor?
    private var gradInput: Tensor?
    /// CSR path for eval-mode forwards of sparse masked weights (see SparseInference).
    private let sparse = SparseLinearForward()
    /// The kernel the last eval-mode forward ran (LinearKernelCost chose it; nil before any).
    public var lastEvalKernel: LinearKernel? { sparse.lastKernel }

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true) {
        weight = Parameter(name: "weight", role: .weight, value: Tensor(shape: [outFeatures, inFeatures]))
        self.bias = bias ? Parameter(name: "bias", role: .bias, value: Tensor(shape: [outFeatures])) : nil
    }

    /// PyTorch's default: U(-1/sqrt(in), 1/sqrt(in)) for weight and bias (Kaiming-uniform, a=sqrt 5).
    public func initialize(_ rng: inout RandomStream) {
        let bound = 1 / Float(inFeatures).squareRoot()
        for i in 0..<weight.value.count { weight.value[i] = rng.uniform(-bound, bound) }
        if let b = bias { for i in 0..<b.value.count { b.value[i] = rng.uniform(-bound, bound) } }
    }

    public func outputShape(_ s: [[Int]]) throws -> [Int] {
        guard s.count == 1, s[0].reduce(1, *) == inFeatures, s[0].count == 1 else {
            throw ShapeError("linear expects [\(inFeatures)] input, got \(s.first ?? [])")
        }
        return [outFeatures]
    }

    public func macs(_ s: [[Int]]) -> Int { inFeatures * outFeatures }

    public func forward(_ inputs: [Tensor], mode: Mode) -> Tensor {
        forward(inputs, mode: mode, configuration: .standard)
    }

    public func forward(_ inputs: [Tensor], mode: Mode, configuration: EngineConfiguration) -> Tensor {
        let x = inputs[0]
        if mode == .eval { return forwardEval(x, relu: false, configuration: configuration) }
        precondition(x.itemCount == inFeatures, "linear: input \(x.shape) vs in=\(inFeatures)")
        let y = Tensor.reuse(&output, shape: [x.shape[0], outFeatures])
        dense(x, y)
        input = x
        return y
    }

    /// The eval-mode forward, with `relu` the Linear -> ReLU chain in one layer (InferenceFusion):
    /// the sparse kernels take max(., 0) as they write each output, the dense path in a pass of
    /// its own over y (what the ReLU layer would do, without a second tensor).
    public func forwardEval(_ x: Tensor, relu: Bool, configuration: EngineConfiguration) -> Tensor {
        precondition(x.itemCount == inFeatures, "linear: input \(x.shape) vs in=\(inFeatures)")
        let y = Tensor.reuse(&output, shape: [x.shape[0], outFeatures])
        if sparse.run(weight: weight, bias: bias, relu: relu, x: x, y: y, configuration: configuration) { return y }
        dense(x, y)
        if relu {
            let yp = y.data
            // In place: prn_affine_relu allows src == dst; 1 * v + 0 is v, then ReLU as prn_relu.
            Parallel.chunks(y.count, minPerThread: 1 << 16) { r in prn_affine_relu(yp + r.lowerBound, yp + r.lowerBound, r.count, 1, 0, 1) }
        }
        return y
    }

    /// y = x * W^T + b with sgemm.
    private func dense(_ x: Tensor, _ y: Tensor) {
        let batch = x.shape[0]
        if let b = bias {
            for r in 0..<batch { (y.data + r * outFeatures).update(from: b.value.data, count: outFeatures) }
        }
        BLAS.sgemm(transB: true, m: batch, n: outFeatures, k: inFeatures, a: x.data, lda: inFeatures,
                   b: weight.value.data, ldb: inFeatures, beta: bias == nil ? 0 : 1, c: y.data, ldc: outFeatures)
    }

    public func backward(_ dy: Tensor, needInputGrad: [Bool]) -> [Tensor?] {
        guard let x = input else { preconditionFailure("linear.backward before forward") }
        let batch = x.shape[0]
        BLAS.sgemm(transA: true, m: outFeatures, n: inFeatures, k: batch, a: dy.data, lda: outFeatures,
                   b: x.data, ldb: inFeatures, beta: 1, c: weight.grad.data, ldc: inFeatures)
        if let b = bias {
            let g = b.grad.data
            for r in 0..<batch {
                let row = dy.data + r * outFeatures
                for j in 0..<outFeatures { g[j] += row[j] }
            }
        }
        guard needInputGrad[0] else { return [nil] }
        let dx = Tensor.reuse(&gradInput, shape: x.shape)
        BLAS.sgemm(m: batch, n: inFeatures, k: outFeatures, a: dy.data, lda: outFeatures,
                   b: weight.value.data, ldb: inFeatures, c: dx.data, ldc: inFeatures)
        return [dx]
    }

    /// Replaces the weights after structured pruning (rows = kept outputs, columns = kept inputs).
    public func resize(weight w: Tensor, bias b: Tensor?) {
        weight.replace(with: w)
        if let b, let p = bias { p.replace(with: b) }
        input = nil; output = nil; gradInput = nil
        sparse.reset()
    }
}

import CKernels

/// y = max(x, 0); dx = dy where y > 0. Both loops are C (CKernels/elementwise.c): branch-free
/// selects that vectorise (activations are positive about half the time, so a branch would
/// mispredict constantly).
public final class ReLU: Layer {
    public let kind = "relu"
    public var config: [String: Double] { [:] }
    private var output: Tensor?
    private var gradInput: Tensor?

    public init() {}

    public func outputShape(_ s: [[Int]]) throws -> [Int] { s[0] }

    public func forward(_ inputs: [Tensor], mode: Mode) -> Tensor {
        let x = inputs[0]
        let y = Tensor.reuse(&output, shape: x.shape)
        let xp = x.data, yp = y.data
        Parallel.chunks(x.count, minPerThread: 1 << 16) { r in
            prn_relu(xp + r.lowerBound, yp + r.lowerBound, r.count)
        }
        return y
    }

    public func backward(_ dy: Tensor, needInputGrad: [Bool]) -> [Tensor?] {
        guard needInputGrad[0], let y = output else { return [nil] }
        let dx = Tensor.reuse(&gradInput, shape: dy.shape)
        let yp = y.data, gp = dy.data, dp = dx.data
        Parallel.chunks(dy.count, minPerThread: 1 << 16) { r in
            prn_relu_backward(yp + r.lowerBound, gp + r.lowerBound, dp + r.lowerBound, r.count)
        }
        return [dx]
    }
}

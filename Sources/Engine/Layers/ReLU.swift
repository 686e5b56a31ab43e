import CKernels

/// y = max(x, 0); dx = dy where y > 0.
/// Both loops are written branch-free (select, not if): activations are positive about half the
/// time, so a branch mispredicts constantly; the select form vectorises.
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
            var i = r.lowerBound
            let zero = SIMD8<Float>(repeating: 0)
            while i + 8 <= r.upperBound {
                let yv = UnsafeRawPointer(yp + i).loadUnaligned(as: SIMD8<Float>.self)
                let gv = UnsafeRawPointer(gp + i).loadUnaligned(as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(dp + i).storeBytes(of: zero.replacing(with: gv, where: yv .> zero),
                                                           as: SIMD8<Float>.self)
                i += 8
            }
            while i < r.upperBound { dp[i] = yp[i] > 0 ? gp[i] : 0; i += 1 }
        }
        return [dx]
    }
}

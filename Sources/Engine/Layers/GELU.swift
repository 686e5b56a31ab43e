import Foundation

/// y = x * Phi(x) = x/2 (1 + erf(x / sqrt 2)), the exact GELU (PyTorch's default, not the tanh
/// approximation); dy/dx = Phi(x) + x * phi(x). Computed in Double: erf in Float loses the
/// 1e-4 agreement with PyTorch near the tails.
public final class GELU: ElementwiseActivation {
    override public var kind: String { "gelu" }
    override public init() {}

    override func apply(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n {
            let v = Double(x[i])
            y[i] = Float(0.5 * v * (1 + erf(v * 0.7071067811865476)))
        }
    }

    override func gradient(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                           _ dx: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n {
            let v = Double(x[i])
            let cdf = 0.5 * (1 + erf(v * 0.7071067811865476))
            let pdf = exp(-0.5 * v * v) * 0.3989422804014327
            dx[i] = dy[i] * Float(cdf + v * pdf)
        }
    }
}

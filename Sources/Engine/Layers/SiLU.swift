import Foundation

/// y = x * sigmoid(x) (PyTorch's nn.SiLU, "swish"); dy/dx = s (1 + x (1 - s)).
public final class SiLU: ElementwiseActivation {
    override public var kind: String { "silu" }
    override public init() {}

    override func apply(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { y[i] = x[i] / (1 + exp(-x[i])) }
    }

    override func gradient(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                           _ dx: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n {
            let s = 1 / (1 + exp(-x[i]))
            dx[i] = dy[i] * s * (1 + x[i] * (1 - s))
        }
    }
}

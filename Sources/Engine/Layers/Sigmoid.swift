import Foundation

/// y = 1 / (1 + e^-x); dy/dx = y (1 - y).
public final class Sigmoid: ElementwiseActivation {
    override public var kind: String { "sigmoid" }
    override public init() {}

    override func apply(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { y[i] = 1 / (1 + exp(-x[i])) }
    }

    override func gradient(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                           _ dx: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { dx[i] = dy[i] * y[i] * (1 - y[i]) }
    }
}

/// y = x * max(0, min(1, x / 6 + 1/2)) (PyTorch's nn.Hardswish, ONNX HardSwish).
public final class HardSwish: ElementwiseActivation {
    override public var kind: String { "hard-swish" }
    override public init() {}

    override func apply(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { y[i] = x[i] * Swift.max(0, Swift.min(1, x[i] / 6 + 0.5)) }
    }

    override func gradient(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                           _ dx: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n {
            let v = x[i]
            dx[i] = v <= -3 ? 0 : (v >= 3 ? dy[i] : dy[i] * (2 * v + 3) / 6)
        }
    }
}

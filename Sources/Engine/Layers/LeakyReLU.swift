/// y = x for x > 0, alpha * x otherwise (PyTorch's nn.LeakyReLU, ONNX LeakyRelu).
public final class LeakyReLU: ElementwiseActivation {
    public let alpha: Float
    override public var kind: String { "leaky-relu" }
    override public var config: [String: Double] { ["alpha": Double(alpha)] }

    public init(alpha: Float = 0.01) { self.alpha = alpha }

    override func apply(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        let a = alpha
        for i in 0..<n { y[i] = x[i] > 0 ? x[i] : a * x[i] }
    }

    override func gradient(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                           _ dx: UnsafeMutablePointer<Float>, _ n: Int) {
        let a = alpha
        for i in 0..<n { dx[i] = x[i] > 0 ? dy[i] : a * dy[i] }
    }
}

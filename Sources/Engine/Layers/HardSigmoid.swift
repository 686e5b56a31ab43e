/// y = max(0, min(1, alpha * x + beta)) (ONNX HardSigmoid; PyTorch's nn.Hardsigmoid is
/// alpha = 1/6, beta = 1/2).
public final class HardSigmoid: ElementwiseActivation {
    public let alpha: Float
    public let beta: Float
    override public var kind: String { "hard-sigmoid" }
    override public var config: [String: Double] { ["alpha": Double(alpha), "beta": Double(beta)] }

    public init(alpha: Float = 0.2, beta: Float = 0.5) {
        self.alpha = alpha
        self.beta = beta
    }

    override func apply(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        let a = alpha, b = beta
        for i in 0..<n { y[i] = Swift.max(0, Swift.min(1, a * x[i] + b)) }
    }

    override func gradient(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                           _ dx: UnsafeMutablePointer<Float>, _ n: Int) {
        let a = alpha, b = beta
        for i in 0..<n {
            let t = a * x[i] + b
            dx[i] = t > 0 && t < 1 ? a * dy[i] : 0
        }
    }
}

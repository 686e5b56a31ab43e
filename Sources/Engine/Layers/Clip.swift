/// y = min(max(x, min), max): ReLU6 is Clip(0, 6). The gradient passes where min <= x <= max,
/// as PyTorch's clamp does.
public final class Clip: ElementwiseActivation {
    public let min: Float
    public let max: Float
    override public var kind: String { "clip" }
    override public var config: [String: Double] { ["min": Double(min), "max": Double(max)] }

    /// `min <= max`; an open side is -/+ Float.greatestFiniteMagnitude (model files hold finite numbers).
    public init(min: Float, max: Float) {
        precondition(min <= max, "clip: min \(min) exceeds max \(max)")
        self.min = min
        self.max = max
    }

    override func apply(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        let lo = min, hi = max
        for i in 0..<n { y[i] = Swift.min(Swift.max(x[i], lo), hi) }
    }

    override func gradient(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                           _ dx: UnsafeMutablePointer<Float>, _ n: Int) {
        let lo = min, hi = max
        for i in 0..<n { dx[i] = x[i] >= lo && x[i] <= hi ? dy[i] : 0 }
    }
}

/// Product of two inputs: elementwise for inputs of one shape, or a [C, H, W] feature map scaled
/// per channel by a [C, 1, 1] gate, the squeeze-excite block's x * sigmoid(fc2(relu(fc1(pool(x)))))
/// of MobileNetV3 and EfficientNet. Only these two forms: a general broadcast would let
/// channels mix in ways the pruning analysis could not follow.
/// forward y = x * s ; backward dx = dy * s, ds = dy * x (summed over H, W for a gate).
public final class Multiply: Layer {
    public let kind = "mul"
    public var config: [String: Double] { [:] }
    private var output: Tensor?
    private var gradX: Tensor?
    private var gradS: Tensor?
    private var x: Tensor?
    private var s: Tensor?

    public init() {}

    public func outputShape(_ shapes: [[Int]]) throws -> [Int] {
        guard shapes.count == 2 else { throw ShapeError("mul needs two inputs, got \(shapes.count)") }
        let (a, b) = (shapes[0], shapes[1])
        if a == b { return a }
        guard a.count == 3, b == [a[0], 1, 1] else {
            throw ShapeError("mul multiplies inputs of one shape or a [C, H, W] map by a [C, 1, 1] gate; got \(a) and \(b)")
        }
        return a
    }

    /// Elements of x per element of s: 1 for one shape, H*W for a per-channel gate.
    private static func plane(_ x: Tensor, _ s: Tensor) -> Int { s.count == 0 ? 1 : x.count / s.count }

    public func forward(_ inputs: [Tensor], mode: Mode) -> Tensor {
        precondition(inputs.count == 2, "mul: needs two inputs")
        let (x, s) = (inputs[0], inputs[1])
        let hw = Self.plane(x, s)
        precondition(x.count == s.count * hw, "mul: input shapes \(x.shape) and \(s.shape) do not fit")
        let y = Tensor.reuse(&output, shape: x.shape)
        let xp = x.data, sp = s.data, yp = y.data
        Parallel.chunks(s.count, minPerThread: Swift.max(1, (1 << 16) / Swift.max(1, hw))) { r in
            for p in r {
                let g = sp[p], base = p * hw
                for i in base..<(base + hw) { yp[i] = xp[i] * g }
            }
        }
        if mode == .train { self.x = x; self.s = s }
        return y
    }

    public func backward(_ dy: Tensor, needInputGrad: [Bool]) -> [Tensor?] {
        guard let x, let s else { preconditionFailure("mul.backward before a training forward") }
        let hw = Self.plane(x, s)
        let gp = dy.data, xp = x.data, sp = s.data
        var result: [Tensor?] = [nil, nil]
        if needInputGrad[0] {
            let dx = Tensor.reuse(&gradX, shape: x.shape)
            let dp = dx.data
            Parallel.chunks(s.count, minPerThread: Swift.max(1, (1 << 16) / Swift.max(1, hw))) { r in
                for p in r {
                    let g = sp[p], base = p * hw
                    for i in base..<(base + hw) { dp[i] = gp[i] * g }
                }
            }
            result[0] = dx
        }
        if needInputGrad.count > 1, needInputGrad[1] {
            let ds = Tensor.reuse(&gradS, shape: s.shape)
            let dp = ds.data
            Parallel.chunks(s.count, minPerThread: Swift.max(1, (1 << 16) / Swift.max(1, hw))) { r in
                for p in r {
                    let base = p * hw
                    var t: Float = 0
                    for i in base..<(base + hw) { t += gp[i] * xp[i] }
                    dp[p] = t
                }
            }
            result[1] = ds
        }
        return result
    }
}

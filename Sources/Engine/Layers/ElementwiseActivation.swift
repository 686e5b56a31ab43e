/// Shared machinery of the elementwise activations (Sigmoid, Tanh, LeakyReLU, Clip, HardSigmoid,
/// HardSwish, GELU, SiLU): buffers, shapes and the parallel split. Each subclass supplies only
/// its function and derivative over a contiguous range, so the per-element loop has no dynamic
/// dispatch in it.
public class ElementwiseActivation: Layer {
    public var kind: String { preconditionFailure("ElementwiseActivation is abstract") }
    public var config: [String: Double] { [:] }
    private var input: Tensor?
    private var output: Tensor?
    private var gradInput: Tensor?

    init() {}

    public func outputShape(_ s: [[Int]]) throws -> [Int] {
        guard s.count == 1 else { throw ShapeError("\(kind) takes one input, got \(s.count)") }
        return s[0]
    }

    /// y[i] = f(x[i]) for i in 0..<n.
    func apply(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        preconditionFailure("\(kind) does not implement apply")
    }

    /// dx[i] = f'(x[i]) * dy[i]; y holds f(x) for the functions whose derivative reads it.
    func gradient(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                  _ dx: UnsafeMutablePointer<Float>, _ n: Int) {
        preconditionFailure("\(kind) does not implement gradient")
    }

    public func forward(_ inputs: [Tensor], mode: Mode) -> Tensor {
        let x = inputs[0]
        input = x
        let y = Tensor.reuse(&output, shape: x.shape)
        let xp = UnsafePointer(x.data), yp = y.data
        Parallel.chunks(x.count, minPerThread: 1 << 14) { r in
            apply(xp + r.lowerBound, yp + r.lowerBound, r.count)
        }
        return y
    }

    public func backward(_ dy: Tensor, needInputGrad: [Bool]) -> [Tensor?] {
        guard needInputGrad[0] else { return [nil] }
        guard let x = input, let y = output else { preconditionFailure("\(kind).backward before forward") }
        let dx = Tensor.reuse(&gradInput, shape: dy.shape)
        let xp = UnsafePointer(x.data), yp = UnsafePointer(y.data), gp = UnsafePointer(dy.data), dp = dx.data
        Parallel.chunks(dy.count, minPerThread: 1 << 14) { r in
            let o = r.lowerBound
            gradient(xp + o, yp + o, gp + o, dp + o, r.count)
        }
        return [dx]
    }
}

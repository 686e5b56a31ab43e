/// Joins inputs along the channel axis (the first per-sample axis): [B, C1, ...] + [B, C2, ...]
/// -> [B, C1 + C2, ...], as SqueezeNet's Fire modules and Inception branches do (torch.cat(xs, 1)).
/// backward hands each input its slice of the gradient.
public final class ConcatChannels: Layer {
    public let kind = "concat"
    public var config: [String: Double] { [:] }
    private var output: Tensor?
    private var gradInputs: [Tensor?] = []
    private var inputShapes: [[Int]] = []

    public init() {}

    public func outputShape(_ s: [[Int]]) throws -> [Int] {
        guard let first = s.first, !first.isEmpty else { throw ShapeError("concat needs at least one input with a channel axis") }
        for (i, shape) in s.enumerated() where shape.count != first.count || shape.dropFirst() != first.dropFirst() {
            throw ShapeError("concat inputs must agree after the channel axis: input 0 is \(first), input \(i) is \(shape)")
        }
        return [s.map { $0[0] }.reduce(0, +)] + first.dropFirst()
    }

    public func forward(_ inputs: [Tensor], mode: Mode) -> Tensor {
        precondition(!inputs.isEmpty, "concat: no inputs")
        let batch = inputs[0].shape[0]
        let per = inputs.map { $0.shape[0] == 0 ? 0 : $0.count / batch }
        let total = per.reduce(0, +)
        let y = Tensor.reuse(&output, shape: [batch, inputs.map { $0.shape[1] }.reduce(0, +)] + inputs[0].shape.dropFirst(2))
        let yp = y.data
        var offset = 0
        for (x, n) in zip(inputs, per) {
            let xp = x.data, start = offset
            Parallel.chunks(batch, minPerThread: Swift.max(1, 1 << 14 / Swift.max(1, n))) { r in
                for b in r { (yp + b * total + start).update(from: xp + b * n, count: n) }
            }
            offset += n
        }
        inputShapes = inputs.map(\.shape)
        return y
    }

    public func backward(_ dy: Tensor, needInputGrad: [Bool]) -> [Tensor?] {
        if gradInputs.count != inputShapes.count { gradInputs = Array(repeating: nil, count: inputShapes.count) }
        let batch = dy.shape[0], total = batch == 0 ? 0 : dy.count / batch
        var offset = 0
        var result: [Tensor?] = []
        for (i, shape) in inputShapes.enumerated() {
            let n = batch == 0 ? 0 : shape.reduce(1, *) / batch
            if needInputGrad[i] {
                let dx = Tensor.reuse(&gradInputs[i], shape: shape)
                let dp = dx.data, gp = dy.data, start = offset
                for b in 0..<batch { (dp + b * n).update(from: gp + b * total + start, count: n) }
                result.append(dx)
            } else {
                result.append(nil)
            }
            offset += n
        }
        return result
    }
}

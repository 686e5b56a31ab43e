import Foundation

/// Layer normalisation (PyTorch's nn.LayerNorm, ONNX LayerNormalization) over the trailing
/// dimensions `normalizedShape` of each sample: [F] of a [F] input, or [C, H, W], [H, W] or [W]
/// of a [C, H, W] input. y = (x - mean) / sqrt(var + eps) * weight + bias, mean and (biased)
/// variance over those dimensions, weight and bias of shape `normalizedShape`; no running
/// statistics, so train and eval compute the same.
/// backward: dweight += sum dy*xhat, dbias += sum dy,
/// dx = inv * (g - mean(g) - xhat * mean(g * xhat)) with g = dy * weight.
public final class LayerNorm: Layer {
    public let kind = "layernorm"
    public private(set) var normalizedShape: [Int]
    public let eps: Float
    public let weight: Parameter
    public let bias: Parameter
    public var parameters: [Parameter] { [weight, bias] }
    public var config: [String: Double] {
        var c = ["dims": Double(normalizedShape.count), "eps": Double(eps)]
        for (i, d) in normalizedShape.enumerated() { c["dim\(i)"] = Double(d) }
        return c
    }
    private var size: Int { normalizedShape.reduce(1, *) }
    private var xhat: Tensor?
    private var invStd: Tensor?
    private var output: Tensor?
    private var gradInput: Tensor?

    public init(_ normalizedShape: [Int], eps: Float = 1e-5) {
        precondition(!normalizedShape.isEmpty && normalizedShape.allSatisfy { $0 > 0 } && eps > 0,
                     "layernorm: normalized shape must be positive sizes and eps positive")
        self.normalizedShape = normalizedShape
        self.eps = eps
        weight = Parameter(name: "weight", role: .scale, value: Tensor(shape: normalizedShape, repeating: 1))
        bias = Parameter(name: "bias", role: .bias, value: Tensor(shape: normalizedShape))
    }

    public func outputShape(_ s: [[Int]]) throws -> [Int] {
        guard s.count == 1, s[0].count >= normalizedShape.count, Array(s[0].suffix(normalizedShape.count)) == normalizedShape else {
            throw ShapeError("layernorm over \(normalizedShape) needs an input ending in those dimensions, got \(s.first ?? [])")
        }
        return s[0]
    }

    public func forward(_ inputs: [Tensor], mode: Mode) -> Tensor {
        let x = inputs[0], d = size
        precondition(weight.value.count == d && bias.value.count == d && x.rank > normalizedShape.count
                     && Array(x.shape.suffix(normalizedShape.count)) == normalizedShape,
                     "layernorm: input \(x.shape) does not end in \(normalizedShape)")
        let rows = x.count / d
        let y = Tensor.reuse(&output, shape: x.shape)
        let xh = Tensor.reuse(&xhat, shape: x.shape), inv = Tensor.reuse(&invStd, shape: [rows])
        let xp = x.data, yp = y.data, hp = xh.data, ip = inv.data, wp = weight.value.data, bp = bias.value.data, eps = eps
        Parallel.chunks(rows, minPerThread: Swift.max(1, 16384 / d)) { r in
            for row in r {
                let src = xp + row * d, dst = yp + row * d, h = hp + row * d
                var mean: Double = 0
                for i in 0..<d { mean += Double(src[i]) }
                mean /= Double(d)
                var variance: Double = 0
                for i in 0..<d { let c = Double(src[i]) - mean; variance += c * c }
                let s = Float(1 / (variance / Double(d) + Double(eps)).squareRoot())
                ip[row] = s
                let m = Float(mean)
                for i in 0..<d { h[i] = (src[i] - m) * s; dst[i] = h[i] * wp[i] + bp[i] }
            }
        }
        return y
    }

    public func backward(_ dy: Tensor, needInputGrad: [Bool]) -> [Tensor?] {
        guard let xh = xhat, let inv = invStd else { preconditionFailure("layernorm.backward before forward") }
        let d = size, rows = dy.count / d
        let gp = dy.data, hp = xh.data, wp = weight.value.data, gw = weight.grad.data, gb = bias.grad.data
        for row in 0..<rows {
            let g = gp + row * d, h = hp + row * d
            for i in 0..<d { gw[i] += g[i] * h[i]; gb[i] += g[i] }
        }
        guard needInputGrad[0] else { return [nil] }
        let dx = Tensor.reuse(&gradInput, shape: dy.shape)
        let dp = dx.data, ip = inv.data
        Parallel.chunks(rows, minPerThread: Swift.max(1, 16384 / d)) { r in
            for row in r {
                let g = gp + row * d, h = hp + row * d, out = dp + row * d
                var meanG: Float = 0, meanGH: Float = 0
                for i in 0..<d { let gi = g[i] * wp[i]; meanG += gi; meanGH += gi * h[i] }
                meanG /= Float(d); meanGH /= Float(d)
                for i in 0..<d { out[i] = ip[row] * (g[i] * wp[i] - meanG - h[i] * meanGH) }
            }
        }
        return [dx]
    }

    /// Keeps the listed entries of the first normalised dimension (structured pruning of the
    /// channels or features it normalises), in order; the statistics are then over the kept ones.
    public func keepChannels(_ keep: [Int]) {
        let inner = normalizedShape.dropFirst().reduce(1, *)
        normalizedShape[0] = keep.count
        for p in parameters {
            var values: [Float] = []
            values.reserveCapacity(keep.count * inner)
            for k in keep { for i in 0..<inner { values.append(p.value[k * inner + i]) } }
            p.replace(with: Tensor(shape: normalizedShape, values: values))
        }
    }
}

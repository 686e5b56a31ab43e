import Foundation

/// Softmax (or log-softmax) over the features of [B, F], as a classifier head ends:
/// y = exp(x - max) / sum exp(x - max), log y = x - max - log sum exp(x - max) (stable for
/// any logits). backward: dx = y * (dy - sum(dy * y)) for softmax, dx = dy - softmax * sum(dy)
/// for log-softmax. Every output reads every input, so pruning never removes its inputs
/// (see ChannelLayout).
public final class Softmax: Layer {
    public let log: Bool
    public var kind: String { log ? "log-softmax" : "softmax" }
    public var config: [String: Double] { [:] }
    private var output: Tensor?
    private var gradInput: Tensor?

    public init(log: Bool = false) { self.log = log }

    public func outputShape(_ s: [[Int]]) throws -> [Int] {
        guard s.count == 1, s[0].count == 1 else {
            throw ShapeError("\(kind) normalises the features of [batch, features]; got input \(s.first ?? []) (put a Flatten before it)")
        }
        return s[0]
    }

    public func forward(_ inputs: [Tensor], mode: Mode) -> Tensor {
        let x = inputs[0]
        precondition(x.rank == 2, "\(kind): input \(x.shape) must be [B, F]")
        let rows = x.shape[0], f = x.shape[1]
        let y = Tensor.reuse(&output, shape: x.shape)
        let xp = x.data, yp = y.data, log = log
        Parallel.chunks(rows, minPerThread: Swift.max(1, 16384 / Swift.max(f, 1))) { r in
            for b in r {
                let src = xp + b * f, dst = yp + b * f
                var m = -Float.infinity
                for i in 0..<f { m = Swift.max(m, src[i]) }
                var total: Float = 0
                for i in 0..<f { let e = expf(src[i] - m); dst[i] = e; total += e }
                if log {
                    let shift = m + logf(total)
                    for i in 0..<f { dst[i] = src[i] - shift }
                } else {
                    for i in 0..<f { dst[i] /= total }
                }
            }
        }
        return y
    }

    public func backward(_ dy: Tensor, needInputGrad: [Bool]) -> [Tensor?] {
        guard needInputGrad[0] else { return [nil] }
        guard let y = output else { preconditionFailure("\(kind).backward before forward") }
        let dx = Tensor.reuse(&gradInput, shape: dy.shape)
        let rows = dy.shape[0], f = dy.shape[1]
        let yp = y.data, gp = dy.data, dp = dx.data, log = log
        Parallel.chunks(rows, minPerThread: Swift.max(1, 16384 / Swift.max(f, 1))) { r in
            for b in r {
                let out = yp + b * f, g = gp + b * f, d = dp + b * f
                if log {
                    var s: Float = 0
                    for i in 0..<f { s += g[i] }
                    for i in 0..<f { d[i] = g[i] - expf(out[i]) * s }
                } else {
                    var s: Float = 0
                    for i in 0..<f { s += g[i] * out[i] }
                    for i in 0..<f { d[i] = out[i] * (g[i] - s) }
                }
            }
        }
        return [dx]
    }
}

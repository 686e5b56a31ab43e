/// Inverted dropout: in train mode each element is zeroed with probability p and the survivors
/// scaled by 1/(1-p); in eval mode the identity (a view of the input).
/// backward dx = dy * mask (train) or dy (eval). Its own seeded stream keeps runs reproducible.
public final class Dropout: Layer {
    public let kind = "dropout"
    public let p: Float
    public let seed: UInt64
    public var config: [String: Double] { ["p": Double(p), "seed": Double(seed)] }
    private var rng: RandomStream
    private var mask: Tensor?
    private var output: Tensor?
    private var gradInput: Tensor?
    private var lastMode: Mode = .eval

    public init(p: Float, seed: UInt64) {
        precondition(p >= 0 && p < 1, "dropout: p must be in [0, 1), got \(p)")
        self.p = p
        self.seed = seed
        rng = RandomStream(seed: seed, stream: "dropout")
    }

    public func outputShape(_ s: [[Int]]) throws -> [Int] {
        guard s.count == 1 else { throw ShapeError("dropout takes one input, got \(s.count)") }
        return s[0]
    }

    public func forward(_ inputs: [Tensor], mode: Mode) -> Tensor {
        let x = inputs[0]
        lastMode = mode
        guard mode == .train, p > 0 else { return Tensor(viewOf: x, shape: x.shape) }
        let m = Tensor.reuse(&mask, shape: x.shape), y = Tensor.reuse(&output, shape: x.shape)
        let keep = 1 / (1 - p)
        // Drawn serially so the mask depends only on the seed, not on the thread count.
        for i in 0..<x.count { m[i] = rng.uniform() < p ? 0 : keep }
        let xp = x.data, mp = m.data, yp = y.data
        Parallel.chunks(x.count, minPerThread: 1 << 16) { r in for i in r { yp[i] = xp[i] * mp[i] } }
        return y
    }

    public func backward(_ dy: Tensor, needInputGrad: [Bool]) -> [Tensor?] {
        guard needInputGrad[0] else { return [nil] }
        guard lastMode == .train, p > 0 else { return [Tensor(viewOf: dy, shape: dy.shape)] }
        guard let m = mask, m.count == dy.count else { preconditionFailure("dropout.backward before forward") }
        let dx = Tensor.reuse(&gradInput, shape: dy.shape)
        let gp = dy.data, mp = m.data, dp = dx.data
        Parallel.chunks(dy.count, minPerThread: 1 << 16) { r in for i in r { dp[i] = gp[i] * mp[i] } }
        return [dx]
    }

    /// Restarts the mask sequence (for a reproducible rerun from the same seed).
    public func reseed() { rng = RandomStream(seed: seed, stream: "dropout") }
}

/// The option-A shortcut of CIFAR ResNets: subsample by `stride` and pad channels with zeros,
/// y = pad(x[:, :, ::stride, ::stride], channels: padBefore, padAfter) — no parameters.
/// [B,C,H,W] -> [B, padBefore + C + padAfter, ceil(H/s), ceil(W/s)];
/// backward dx[b,c,i*s,j*s] = dy[b,padBefore+c,i,j], 0 elsewhere.
public final class ShortcutA: Layer {
    public let kind = "shortcut-a"
    public let stride: Int
    /// Mutable only through `setPadding`: channel pruning keeps the padding channels whose partners survive.
    public private(set) var padBefore: Int
    public private(set) var padAfter: Int
    public var config: [String: Double] {
        ["stride": Double(stride), "pad_before": Double(padBefore), "pad_after": Double(padAfter)]
    }
    private var inputShape: [Int]?
    private var output: Tensor?
    private var gradInput: Tensor?

    public init(stride: Int, padBefore: Int, padAfter: Int) {
        precondition(stride > 0 && padBefore >= 0 && padAfter >= 0,
                     "shortcut-a: stride must be positive and paddings >= 0")
        self.stride = stride
        self.padBefore = padBefore
        self.padAfter = padAfter
    }

    /// New channel padding after structured pruning removed some of the padded channels' partners.
    public func setPadding(before: Int, after: Int) {
        precondition(before >= 0 && after >= 0, "shortcut-a: paddings must be >= 0")
        padBefore = before
        padAfter = after
        output = nil
        gradInput = nil
    }

    private func sub(_ n: Int) -> Int { (n + stride - 1) / stride }

    public func outputShape(_ s: [[Int]]) throws -> [Int] {
        guard s.count == 1, s[0].count == 3 else {
            throw ShapeError("shortcut-a expects [C, H, W] input, got \(s.first ?? [])")
        }
        return [padBefore + s[0][0] + padAfter, sub(s[0][1]), sub(s[0][2])]
    }

    public func forward(_ inputs: [Tensor], mode: Mode) -> Tensor {
        let x = inputs[0]
        precondition(x.rank == 4, "shortcut-a: input \(x.shape) must be [B,C,H,W]")
        let (b, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let oc = padBefore + c + padAfter, oh = sub(h), ow = sub(w)
        let y = Tensor.reuse(&output, shape: [b, oc, oh, ow], zeroed: true)
        let xp = x.data, yp = y.data, s = stride, pb = padBefore
        Parallel.chunks(b * c, minPerThread: 16) { r in
            for plane in r {
                let n = plane / c, ch = plane % c
                let src = xp + plane * h * w, dst = yp + ((n * oc) + pb + ch) * oh * ow
                for i in 0..<oh { for j in 0..<ow { dst[i * ow + j] = src[i * s * w + j * s] } }
            }
        }
        inputShape = x.shape
        return y
    }

    public func backward(_ dy: Tensor, needInputGrad: [Bool]) -> [Tensor?] {
        guard needInputGrad[0] else { return [nil] }
        guard let shape = inputShape else { preconditionFailure("shortcut-a.backward before forward") }
        let (b, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let oc = padBefore + c + padAfter, oh = sub(h), ow = sub(w)
        let dx = Tensor.reuse(&gradInput, shape: shape, zeroed: true)
        let gp = dy.data, dp = dx.data, s = stride, pb = padBefore
        Parallel.chunks(b * c, minPerThread: 16) { r in
            for plane in r {
                let n = plane / c, ch = plane % c
                let src = gp + ((n * oc) + pb + ch) * oh * ow, dst = dp + plane * h * w
                for i in 0..<oh { for j in 0..<ow { dst[i * s * w + j * s] = src[i * ow + j] } }
            }
        }
        return [dx]
    }
}

import CKernels

/// Square-window pooling over [B,C,H,W] without padding (PyTorch's floor output size):
/// OH = (H - k) / s + 1, OW = (W - k) / s + 1.
struct PoolGeometry {
    let kernel: Int, stride: Int

    func outputShape(_ s: [[Int]], kind: String) throws -> [Int] {
        guard s.count == 1, s[0].count == 3 else {
            throw ShapeError("\(kind) expects [C, H, W] input, got \(s.first ?? [])")
        }
        guard s[0][1] >= kernel, s[0][2] >= kernel else {
            throw ShapeError("\(kind) window \(kernel) is larger than the \(s[0][1])x\(s[0][2]) input")
        }
        return [s[0][0], (s[0][1] - kernel) / stride + 1, (s[0][2] - kernel) / stride + 1]
    }

    func checkedInput(_ x: Tensor, kind: String) -> (planes: Int, h: Int, w: Int, oh: Int, ow: Int) {
        precondition(x.rank == 4 && x.shape[2] >= kernel && x.shape[3] >= kernel,
                     "\(kind): input \(x.shape) must be [B,C,H,W] with H, W >= \(kernel)")
        let h = x.shape[2], w = x.shape[3]
        return (x.shape[0] * x.shape[1], h, w, (h - kernel) / stride + 1, (w - kernel) / stride + 1)
    }
}

/// Int32 scratch that survives between batches (max-pool's argmax), grown only when needed.
final class IndexBuffer {
    private(set) var data: UnsafeMutablePointer<Int32>
    private var capacity: Int
    init() { capacity = 1; data = .allocate(capacity: 1) }
    func reserve(_ n: Int) {
        guard n > capacity else { return }
        data.deallocate()
        capacity = n
        data = .allocate(capacity: n)
    }
    deinit { data.deallocate() }
}

/// Max pooling. forward y = max over each window, remembering the argmax (offset in its plane);
/// backward dx[argmax] += dy (ties go to the first maximum in row-major order, as in PyTorch).
public final class MaxPool2d: Layer {
    public let kind = "maxpool2d"
    public let kernel: Int
    public let stride: Int
    public var config: [String: Double] { ["kernel": Double(kernel), "stride": Double(stride)] }
    private var geometry: PoolGeometry { PoolGeometry(kernel: kernel, stride: stride) }
    private let argmax = IndexBuffer()
    private var inputShape: [Int]?
    private var output: Tensor?
    private var gradInput: Tensor?

    public init(kernel: Int, stride: Int? = nil) {
        precondition(kernel > 0 && (stride ?? 1) > 0, "maxpool2d: kernel and stride must be positive")
        self.kernel = kernel
        self.stride = stride ?? kernel
    }

    public func outputShape(_ s: [[Int]]) throws -> [Int] { try geometry.outputShape(s, kind: kind) }

    public func forward(_ inputs: [Tensor], mode: Mode) -> Tensor {
        let x = inputs[0]
        let (planes, h, w, oh, ow) = geometry.checkedInput(x, kind: kind)
        let y = Tensor.reuse(&output, shape: [x.shape[0], x.shape[1], oh, ow])
        argmax.reserve(y.count)
        let xp = x.data, yp = y.data, ap = argmax.data, k = kernel, s = stride
        if k == 2 && s == 2 {
            Parallel.chunks(planes, minPerThread: Swift.max(1, 16384 / (h * w))) { r in
                prn_maxpool2x2(xp + r.lowerBound * h * w, yp + r.lowerBound * oh * ow, ap + r.lowerBound * oh * ow,
                               r.count, h, w)
            }
            inputShape = x.shape
            return y
        }
        Parallel.chunks(planes, minPerThread: Swift.max(1, 16384 / (h * w))) { r in
            for p in r {
                let src = xp + p * h * w
                var out = p * oh * ow
                for i in 0..<oh { for j in 0..<ow {
                    var best = i * s * w + j * s, m = src[best]
                    for di in 0..<k {
                        let row = (i * s + di) * w + j * s
                        for dj in 0..<k where src[row + dj] > m { m = src[row + dj]; best = row + dj }
                    }
                    yp[out] = m; ap[out] = Int32(best); out += 1
                } }
            }
        }
        inputShape = x.shape
        return y
    }

    public func backward(_ dy: Tensor, needInputGrad: [Bool]) -> [Tensor?] {
        guard needInputGrad[0] else { return [nil] }
        guard let shape = inputShape else { preconditionFailure("maxpool2d.backward before forward") }
        let dx = Tensor.reuse(&gradInput, shape: shape, zeroed: true)
        let hw = shape[2] * shape[3], ohw = dy.itemCount / shape[1]
        let gp = dy.data, dp = dx.data, ap = argmax.data
        Parallel.chunks(shape[0] * shape[1], minPerThread: Swift.max(1, 16384 / hw)) { r in
            for p in r {
                let dst = dp + p * hw
                for o in (p * ohw)..<((p + 1) * ohw) { dst[Int(ap[o])] += gp[o] }
            }
        }
        return [dx]
    }
}

/// Average pooling. forward y = mean over each window; backward dx[window] += dy / k^2.
public final class AvgPool2d: Layer {
    public let kind = "avgpool2d"
    public let kernel: Int
    public let stride: Int
    public var config: [String: Double] { ["kernel": Double(kernel), "stride": Double(stride)] }
    private var geometry: PoolGeometry { PoolGeometry(kernel: kernel, stride: stride) }
    private var inputShape: [Int]?
    private var output: Tensor?
    private var gradInput: Tensor?

    public init(kernel: Int, stride: Int? = nil) {
        precondition(kernel > 0 && (stride ?? 1) > 0, "avgpool2d: kernel and stride must be positive")
        self.kernel = kernel
        self.stride = stride ?? kernel
    }

    public func outputShape(_ s: [[Int]]) throws -> [Int] { try geometry.outputShape(s, kind: kind) }

    public func forward(_ inputs: [Tensor], mode: Mode) -> Tensor {
        let x = inputs[0]
        let (planes, h, w, oh, ow) = geometry.checkedInput(x, kind: kind)
        let y = Tensor.reuse(&output, shape: [x.shape[0], x.shape[1], oh, ow])
        let xp = x.data, yp = y.data, k = kernel, s = stride, scale = 1 / Float(kernel * kernel)
        Parallel.chunks(planes, minPerThread: Swift.max(1, 16384 / (h * w))) { r in
            for p in r {
                let src = xp + p * h * w, dst = yp + p * oh * ow
                for i in 0..<oh { for j in 0..<ow {
                    var t: Float = 0
                    for di in 0..<k { let row = src + (i * s + di) * w + j * s; for dj in 0..<k { t += row[dj] } }
                    dst[i * ow + j] = t * scale
                } }
            }
        }
        inputShape = x.shape
        return y
    }

    public func backward(_ dy: Tensor, needInputGrad: [Bool]) -> [Tensor?] {
        guard needInputGrad[0] else { return [nil] }
        guard let shape = inputShape else { preconditionFailure("avgpool2d.backward before forward") }
        let dx = Tensor.reuse(&gradInput, shape: shape, zeroed: true)
        let h = shape[2], w = shape[3], oh = dy.shape[2], ow = dy.shape[3]
        let gp = dy.data, dp = dx.data, k = kernel, s = stride, scale = 1 / Float(kernel * kernel)
        Parallel.chunks(shape[0] * shape[1], minPerThread: Swift.max(1, 16384 / (h * w))) { r in
            for p in r {
                let src = gp + p * oh * ow, dst = dp + p * h * w
                for i in 0..<oh { for j in 0..<ow {
                    let g = src[i * ow + j] * scale
                    for di in 0..<k { let row = dst + (i * s + di) * w + j * s; for dj in 0..<k { row[dj] += g } }
                } }
            }
        }
        return [dx]
    }
}

/// Global average pooling [B,C,H,W] -> [B,C]: y = mean over H*W; dx = dy / (H*W) everywhere.
public final class GlobalAvgPool: Layer {
    public let kind = "global-avgpool"
    public var config: [String: Double] { [:] }
    private var inputShape: [Int]?
    private var output: Tensor?
    private var gradInput: Tensor?

    public init() {}

    public func outputShape(_ s: [[Int]]) throws -> [Int] {
        guard s.count == 1, s[0].count == 3 else {
            throw ShapeError("global-avgpool expects [C, H, W] input, got \(s.first ?? [])")
        }
        return [s[0][0]]
    }

    public func forward(_ inputs: [Tensor], mode: Mode) -> Tensor {
        let x = inputs[0]
        precondition(x.rank == 4, "global-avgpool: input \(x.shape) must be [B,C,H,W]")
        let planes = x.shape[0] * x.shape[1], hw = x.shape[2] * x.shape[3]
        let y = Tensor.reuse(&output, shape: [x.shape[0], x.shape[1]])
        let xp = x.data, yp = y.data, scale = 1 / Float(hw)
        for p in 0..<planes {
            var t: Float = 0
            let src = xp + p * hw
            for i in 0..<hw { t += src[i] }
            yp[p] = t * scale
        }
        inputShape = x.shape
        return y
    }

    public func backward(_ dy: Tensor, needInputGrad: [Bool]) -> [Tensor?] {
        guard needInputGrad[0] else { return [nil] }
        guard let shape = inputShape else { preconditionFailure("global-avgpool.backward before forward") }
        let dx = Tensor.reuse(&gradInput, shape: shape)
        let hw = shape[2] * shape[3], scale = 1 / Float(hw)
        for p in 0..<(shape[0] * shape[1]) { (dx.data + p * hw).update(repeating: dy[p] * scale, count: hw) }
        return [dx]
    }
}

import CKernels

/// Square-window pooling over [B,C,H,W] with PyTorch's output size: padding p on every side
/// and floor (or ceil) rounding, OH = round((H + 2p - k) / s) + 1; with ceil, a last window that
/// would start in the right padding is dropped (as PyTorch does).
struct PoolGeometry {
    let kernel: Int, stride: Int
    var padding = 0
    var ceilMode = false

    func outputSize(_ n: Int) -> Int {
        let span = n + 2 * padding - kernel
        var out = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1
        if ceilMode && (out - 1) * stride >= n + padding { out -= 1 }
        return out
    }

    func outputShape(_ s: [[Int]], kind: String) throws -> [Int] {
        guard s.count == 1, s[0].count == 3 else {
            throw ShapeError("\(kind) expects [C, H, W] input, got \(s.first ?? [])")
        }
        guard s[0][1] + 2 * padding >= kernel, s[0][2] + 2 * padding >= kernel else {
            throw ShapeError("\(kind) window \(kernel) is larger than the \(s[0][1])x\(s[0][2]) input")
        }
        return [s[0][0], outputSize(s[0][1]), outputSize(s[0][2])]
    }

    func checkedInput(_ x: Tensor, kind: String) -> (planes: Int, h: Int, w: Int, oh: Int, ow: Int) {
        precondition(x.rank == 4 && x.shape[2] + 2 * padding >= kernel && x.shape[3] + 2 * padding >= kernel,
                     "\(kind): input \(x.shape) must be [B,C,H,W] with H, W >= \(kernel - 2 * padding)")
        let h = x.shape[2], w = x.shape[3]
        return (x.shape[0] * x.shape[1], h, w, outputSize(h), outputSize(w))
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
/// Padding never wins a maximum (it is -infinity, as in PyTorch and ONNX); windows are clipped
/// to the input, so every window holds at least one input value.
public final class MaxPool2d: Layer {
    public let kind = "maxpool2d"
    public let kernel: Int
    public let stride: Int
    public let padding: Int
    public let ceilMode: Bool
    /// Padding and ceil mode are saved only when used, so files written before them still load.
    public var config: [String: Double] {
        var c = ["kernel": Double(kernel), "stride": Double(stride)]
        if padding > 0 { c["padding"] = Double(padding) }
        if ceilMode { c["ceil_mode"] = 1 }
        return c
    }
    private var geometry: PoolGeometry { PoolGeometry(kernel: kernel, stride: stride, padding: padding, ceilMode: ceilMode) }
    private let argmax = IndexBuffer()
    private var inputShape: [Int]?
    private var output: Tensor?
    private var gradInput: Tensor?

    /// `padding` is at most half the kernel (PyTorch's rule: every window overlaps the input).
    public init(kernel: Int, stride: Int? = nil, padding: Int = 0, ceilMode: Bool = false) {
        precondition(kernel > 0 && (stride ?? 1) > 0, "maxpool2d: kernel and stride must be positive")
        precondition(padding >= 0 && 2 * padding <= kernel, "maxpool2d: padding must be in 0...kernel/2")
        self.kernel = kernel
        self.stride = stride ?? kernel
        self.padding = padding
        self.ceilMode = ceilMode
    }

    public func outputShape(_ s: [[Int]]) throws -> [Int] { try geometry.outputShape(s, kind: kind) }

    public func forward(_ inputs: [Tensor], mode: Mode) -> Tensor {
        forward(inputs, mode: mode, configuration: .standard)
    }

    public func forward(_ inputs: [Tensor], mode: Mode, configuration: EngineConfiguration) -> Tensor {
        let x = inputs[0], threads = configuration.threads
        let (planes, h, w, oh, ow) = geometry.checkedInput(x, kind: kind)
        let y = Tensor.reuse(&output, shape: [x.shape[0], x.shape[1], oh, ow])
        argmax.reserve(y.count)
        let xp = x.data, yp = y.data, ap = argmax.data, k = kernel, s = stride, pad = padding
        if k == 2 && s == 2 && padding == 0 && !ceilMode {
            Parallel.chunks(planes, minPerThread: Swift.max(1, 16384 / (h * w))) { r in
                prn_maxpool2x2(xp + r.lowerBound * h * w, yp + r.lowerBound * oh * ow, ap + r.lowerBound * oh * ow,
                               r.count, h, w)
            }
            inputShape = x.shape
            return y
        }
        if mode == .eval {
            // Inference needs no argmax: a separable pass, rows then columns (CKernels/conv.c).
            // With fewer samples than threads (batch 1) the threads split the output rows of every
            // plane, so that each reads the input rows the layer before (a stem convolution, split
            // by rows) wrote on its core; split by planes, each read half its input from the other
            // core's cache.
            let byRows = x.shape[0] < threads
            let count = byRows ? oh : planes, minimum = Swift.max(1, 16384 / (byRows ? planes * s * w : h * w))
            Parallel.chunks(count, minPerThread: minimum, threads: threads) { r in
                guard let row = prn_thread_scratch(0, w) else { preconditionFailure("maxpool2d: out of memory for \(w) floats") }
                if byRows {
                    prn_maxpool_values(xp, yp, planes, h, w, k, s, pad, oh, ow, r.lowerBound, r.count, row)
                } else {
                    prn_maxpool_values(xp + r.lowerBound * h * w, yp + r.lowerBound * oh * ow, r.count, h, w, k, s, pad,
                                       oh, ow, 0, oh, row)
                }
            }
            inputShape = nil
            return y
        }
        Parallel.chunks(planes, minPerThread: Swift.max(1, 16384 / (h * w))) { r in
            for p in r {
                let src = xp + p * h * w
                var out = p * oh * ow
                for i in 0..<oh {
                    let r0 = Swift.max(i * s - pad, 0), r1 = Swift.min(i * s - pad + k, h)
                    for j in 0..<ow {
                        let c0 = Swift.max(j * s - pad, 0), c1 = Swift.min(j * s - pad + k, w)
                        var best = r0 * w + c0, m = src[best]
                        for row in r0..<r1 {
                            for col in c0..<c1 where src[row * w + col] > m { m = src[row * w + col]; best = row * w + col }
                        }
                        yp[out] = m; ap[out] = Int32(best); out += 1
                    }
                }
            }
        }
        inputShape = x.shape
        return y
    }

    public func backward(_ dy: Tensor, needInputGrad: [Bool]) -> [Tensor?] {
        guard needInputGrad[0] else { return [nil] }
        guard let shape = inputShape else { preconditionFailure("maxpool2d.backward without a training forward") }
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

/// Average pooling with PyTorch's nn.AvgPool2d semantics. Window (i, j) covers rows
/// i*s-p ..< i*s-p+k, clipped to the padded input (-p ..< H+p; ceil mode's last window can reach
/// past it). The divisor is that clipped window's size when `countIncludePad` (PyTorch's default,
/// padding counts as zeros), else the number of input values in it. backward spreads dy/divisor
/// over the input values of each window.
public final class AvgPool2d: Layer {
    public let kind = "avgpool2d"
    public let kernel: Int
    public let stride: Int
    public let padding: Int
    public let ceilMode: Bool
    /// Only meaningful with padding (without it every window holds input values only).
    public let countIncludePad: Bool
    /// The new keys are saved only when used, so files written before them still load.
    public var config: [String: Double] {
        var c = ["kernel": Double(kernel), "stride": Double(stride)]
        if padding > 0 { c["padding"] = Double(padding) }
        if ceilMode { c["ceil_mode"] = 1 }
        if countIncludePad { c["count_include_pad"] = 1 }
        return c
    }
    private var geometry: PoolGeometry { PoolGeometry(kernel: kernel, stride: stride, padding: padding, ceilMode: ceilMode) }
    private var inputShape: [Int]?
    private var output: Tensor?
    private var gradInput: Tensor?

    /// `padding` is at most half the kernel (PyTorch's rule: every window overlaps the input).
    public init(kernel: Int, stride: Int? = nil, padding: Int = 0, ceilMode: Bool = false, countIncludePad: Bool = false) {
        precondition(kernel > 0 && (stride ?? 1) > 0, "avgpool2d: kernel and stride must be positive")
        precondition(padding >= 0 && 2 * padding <= kernel, "avgpool2d: padding must be in 0...kernel/2")
        self.kernel = kernel
        self.stride = stride ?? kernel
        self.padding = padding
        self.ceilMode = ceilMode
        self.countIncludePad = countIncludePad && padding > 0
    }

    public func outputShape(_ s: [[Int]]) throws -> [Int] { try geometry.outputShape(s, kind: kind) }

    /// Window `i` along an axis of size n: the input range it sums and its divisor's factor.
    private func window(_ i: Int, _ n: Int) -> (lo: Int, hi: Int, count: Int) {
        let start = i * stride - padding, end = Swift.min(start + kernel, n + padding)
        let lo = Swift.max(start, 0), hi = Swift.min(end, n)
        return (lo, hi, countIncludePad ? end - start : hi - lo)
    }

    public func forward(_ inputs: [Tensor], mode: Mode) -> Tensor {
        forward(inputs, mode: mode, configuration: .standard)
    }

    public func forward(_ inputs: [Tensor], mode: Mode, configuration: EngineConfiguration) -> Tensor {
        let x = inputs[0], threads = configuration.threads
        let (planes, h, w, oh, ow) = geometry.checkedInput(x, kind: kind)
        let y = Tensor.reuse(&output, shape: [x.shape[0], x.shape[1], oh, ow])
        let rows = (0..<oh).map { window($0, h) }, cols = (0..<ow).map { window($0, w) }
        let xp = x.data, yp = y.data
        Parallel.chunks(planes, minPerThread: Swift.max(1, 16384 / (h * w)), threads: threads) { r in
            for p in r {
                let src = xp + p * h * w, dst = yp + p * oh * ow
                for i in 0..<oh { for j in 0..<ow {
                    let (r0, r1, rn) = rows[i], (c0, c1, cn) = cols[j]
                    var t: Float = 0
                    for row in r0..<r1 { for col in c0..<c1 { t += src[row * w + col] } }
                    dst[i * ow + j] = t / Float(rn * cn)
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
        let rows = (0..<oh).map { window($0, h) }, cols = (0..<ow).map { window($0, w) }
        let gp = dy.data, dp = dx.data
        Parallel.chunks(shape[0] * shape[1], minPerThread: Swift.max(1, 16384 / (h * w))) { r in
            for p in r {
                let src = gp + p * oh * ow, dst = dp + p * h * w
                for i in 0..<oh { for j in 0..<ow {
                    let (r0, r1, rn) = rows[i], (c0, c1, cn) = cols[j]
                    let g = src[i * ow + j] / Float(rn * cn)
                    for row in r0..<r1 { for col in c0..<c1 { dst[row * w + col] += g } }
                } }
            }
        }
        return [dx]
    }
}

/// Global average pooling [B,C,H,W] -> [B,C] (or [B,C,1,1]): y = mean over H*W; dx = dy / (H*W) everywhere.
public final class GlobalAvgPool: Layer {
    public let kind = "global-avgpool"
    /// Output [C, 1, 1] instead of [C]: the squeeze of a squeeze-excite block, read by 1x1
    /// convolutions (ONNX GlobalAveragePool, or ReduceMean over H, W with keepdims).
    public let keepDims: Bool
    /// The key appears only when set, so model files of the flat pool are unchanged.
    public var config: [String: Double] { keepDims ? ["keep_dims": 1] : [:] }
    private var inputShape: [Int]?
    private var output: Tensor?
    private var gradInput: Tensor?

    public init(keepDims: Bool = false) { self.keepDims = keepDims }

    /// Values a thread should sum at least: a smaller share takes less time than handing it to
    /// another thread (a resnet's last map at batch 1, 512 x 7 x 7, runs on one).
    static let valuesPerThread = 1 << 15

    public func outputShape(_ s: [[Int]]) throws -> [Int] {
        guard s.count == 1, s[0].count == 3 else {
            throw ShapeError("global-avgpool expects [C, H, W] input, got \(s.first ?? [])")
        }
        return keepDims ? [s[0][0], 1, 1] : [s[0][0]]
    }

    public func forward(_ inputs: [Tensor], mode: Mode) -> Tensor {
        let x = inputs[0]
        precondition(x.rank == 4, "global-avgpool: input \(x.shape) must be [B,C,H,W]")
        let planes = x.shape[0] * x.shape[1], hw = x.shape[2] * x.shape[3]
        let y = Tensor.reuse(&output, shape: keepDims ? [x.shape[0], x.shape[1], 1, 1] : [x.shape[0], x.shape[1]])
        let xp = UnsafePointer(x.data), yp = y.data, scale = 1 / Float(hw)
        Parallel.chunks(planes, minPerThread: Swift.max(1, GlobalAvgPool.valuesPerThread / Swift.max(1, hw))) { r in
            for p in r { yp[p] = Reductions.sum(xp + p * hw, hw) * scale }
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

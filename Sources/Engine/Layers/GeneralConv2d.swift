/// 2-D convolution with the options Conv2d leaves out: groups (depthwise when groups equals the
/// channels), a rectangular kernel, per-axis stride and padding, and dilation. PyTorch layout:
/// weight [out, in / groups, kh, kw], bias [out]; output channel o reads the input channels of
/// its group, g = o / (out / groups).
///
/// Direct loops rather than im2col + GEMM: these layers (depthwise convolutions above all) do
/// little arithmetic per output, so the column matrix would cost more than it saves. Forward
/// splits output planes across workers; backward splits weight gradients by output channel and
/// input gradients by sample, so no two workers write one value.
public final class GeneralConv2d: Layer {
    public let kind = "general-conv2d"
    public let weight: Parameter
    public let bias: Parameter?
    /// Changes only through `resize` (channel pruning of a depthwise convolution keeps one group per channel).
    public private(set) var groups: Int
    public let stride: (h: Int, w: Int)
    public let padding: (h: Int, w: Int)
    public let dilation: (h: Int, w: Int)
    public var outChannels: Int { weight.value.shape[0] }
    public var inChannels: Int { weight.value.shape[1] * groups }
    public var kernel: (h: Int, w: Int) { (weight.value.shape[2], weight.value.shape[3]) }
    public var config: [String: Double] {
        ["in": Double(inChannels), "out": Double(outChannels), "kernel_h": Double(kernel.h), "kernel_w": Double(kernel.w),
         "stride_h": Double(stride.h), "stride_w": Double(stride.w), "padding_h": Double(padding.h),
         "padding_w": Double(padding.w), "dilation_h": Double(dilation.h), "dilation_w": Double(dilation.w),
         "groups": Double(groups), "bias": bias == nil ? 0 : 1]
    }
    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    private var input: Tensor?
    private var output: Tensor?
    private var gradInput: Tensor?

    public init(_ inChannels: Int, _ outChannels: Int, kernel: (h: Int, w: Int), stride: (h: Int, w: Int) = (1, 1),
                padding: (h: Int, w: Int) = (0, 0), dilation: (h: Int, w: Int) = (1, 1), groups: Int = 1, bias: Bool = true) {
        precondition(inChannels > 0 && outChannels > 0 && groups > 0 && inChannels % groups == 0 && outChannels % groups == 0,
                     "general-conv2d: channels must be positive multiples of groups")
        precondition(kernel.h > 0 && kernel.w > 0 && stride.h > 0 && stride.w > 0 && dilation.h > 0 && dilation.w > 0
                     && padding.h >= 0 && padding.w >= 0, "general-conv2d: kernel, stride and dilation must be positive, padding >= 0")
        weight = Parameter(name: "weight", role: .weight,
                           value: Tensor(shape: [outChannels, inChannels / groups, kernel.h, kernel.w]))
        self.bias = bias ? Parameter(name: "bias", role: .bias, value: Tensor(shape: [outChannels])) : nil
        self.groups = groups
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
    }

    /// Replaces the weights after structured pruning ([kept out, kept in / groups, kh, kw]).
    public func resize(weight w: Tensor, bias b: Tensor?, groups g: Int) {
        precondition(w.rank == 4 && w.shape[2] == kernel.h && w.shape[3] == kernel.w && g > 0 && w.shape[0] % g == 0,
                     "general-conv2d resize: bad weight \(w.shape) for \(g) groups")
        weight.replace(with: w)
        if let b, let p = bias { p.replace(with: b) }
        groups = g
        input = nil; output = nil; gradInput = nil
    }

    public func initialize(_ rng: inout RandomStream, _ scheme: WeightInit = .pytorchDefault) {
        let area = kernel.h * kernel.w
        scheme.fill(weight: weight.value, bias: bias?.value, fanIn: inChannels / groups * area,
                    fanOut: outChannels / groups * area, &rng)
    }

    private func outputSize(_ n: Int, k: Int, s: Int, p: Int, d: Int) -> Int {
        (n + 2 * p - d * (k - 1) - 1) / s + 1
    }

    public func outputShape(_ s: [[Int]]) throws -> [Int] {
        guard s.count == 1, s[0].count == 3, s[0][0] == inChannels else {
            throw ShapeError("general-conv2d expects [\(inChannels), H, W] input, got \(s.first ?? [])")
        }
        let oh = outputSize(s[0][1], k: kernel.h, s: stride.h, p: padding.h, d: dilation.h)
        let ow = outputSize(s[0][2], k: kernel.w, s: stride.w, p: padding.w, d: dilation.w)
        guard s[0][1] + 2 * padding.h >= dilation.h * (kernel.h - 1) + 1, s[0][2] + 2 * padding.w >= dilation.w * (kernel.w - 1) + 1,
              oh > 0, ow > 0 else {
            throw ShapeError("general-conv2d: the dilated \(kernel.h)x\(kernel.w) kernel is larger than the padded \(s[0][1])x\(s[0][2]) input")
        }
        return [outChannels, oh, ow]
    }

    public func macs(_ s: [[Int]]) -> Int {
        guard let out = try? outputShape(s) else { return 0 }
        return out.reduce(1, *) * (inChannels / groups) * kernel.h * kernel.w
    }

    /// Everything the loops need, read once per pass.
    private struct Geometry {
        let batch: Int, cin: Int, h: Int, w: Int, cout: Int, oh: Int, ow: Int
        let perGroupIn: Int, perGroupOut: Int, kh: Int, kw: Int
        let sh: Int, sw: Int, ph: Int, pw: Int, dh: Int, dw: Int
    }

    private func geometry(_ x: [Int]) -> Geometry {
        let oh = outputSize(x[2], k: kernel.h, s: stride.h, p: padding.h, d: dilation.h)
        let ow = outputSize(x[3], k: kernel.w, s: stride.w, p: padding.w, d: dilation.w)
        return Geometry(batch: x[0], cin: x[1], h: x[2], w: x[3], cout: outChannels, oh: oh, ow: ow,
                        perGroupIn: inChannels / groups, perGroupOut: outChannels / groups, kh: kernel.h, kw: kernel.w,
                        sh: stride.h, sw: stride.w, ph: padding.h, pw: padding.w, dh: dilation.h, dw: dilation.w)
    }

    /// Calls body(ki, kj, inputOffset, outputOffset) for every kernel tap that lands inside the input.
    @inline(__always)
    private static func taps(_ g: Geometry, _ body: (Int, Int, Int, Int) -> Void) {
        for ki in 0..<g.kh {
            for i in 0..<g.oh {
                let r = i * g.sh - g.ph + ki * g.dh
                guard r >= 0, r < g.h else { continue }
                for kj in 0..<g.kw {
                    for j in 0..<g.ow {
                        let c = j * g.sw - g.pw + kj * g.dw
                        guard c >= 0, c < g.w else { continue }
                        body(ki, kj, r * g.w + c, i * g.ow + j)
                    }
                }
            }
        }
    }

    public func forward(_ inputs: [Tensor], mode: Mode) -> Tensor {
        let x = inputs[0]
        precondition(x.rank == 4 && x.shape[1] == inChannels, "general-conv2d: input \(x.shape) must be [B, \(inChannels), H, W]")
        let g = geometry(x.shape)
        precondition(g.oh > 0 && g.ow > 0, "general-conv2d: input \(x.shape) is smaller than the kernel")
        input = x
        let y = Tensor.reuse(&output, shape: [g.batch, g.cout, g.oh, g.ow])
        let xp = x.data, yp = y.data, wp = weight.value.data, bp = bias?.value.data
        let plane = g.oh * g.ow
        Parallel.chunks(g.batch * g.cout, minPerThread: Swift.max(1, 4096 / Swift.max(1, plane * g.perGroupIn * g.kh * g.kw))) { r in
            for bo in r {
                let b = bo / g.cout, o = bo % g.cout, group = o / g.perGroupOut
                let dst = yp + bo * plane
                dst.update(repeating: bp.map { $0[o] } ?? 0, count: plane)
                for ci in 0..<g.perGroupIn {
                    let src = xp + (b * g.cin + group * g.perGroupIn + ci) * g.h * g.w
                    let wk = wp + (o * g.perGroupIn + ci) * g.kh * g.kw
                    Self.taps(g) { ki, kj, xi, yi in dst[yi] += wk[ki * g.kw + kj] * src[xi] }
                }
            }
        }
        return y
    }

    public func backward(_ dy: Tensor, needInputGrad: [Bool]) -> [Tensor?] {
        guard let x = input else { preconditionFailure("general-conv2d.backward before forward") }
        let g = geometry(x.shape)
        let xp = x.data, gp = dy.data, wp = weight.value.data, gw = weight.grad.data, gb = bias?.grad.data
        let plane = g.oh * g.ow
        // Weight and bias gradients: each worker owns whole output channels.
        Parallel.chunks(g.cout, minPerThread: 1) { r in
            for o in r {
                let group = o / g.perGroupOut
                for b in 0..<g.batch {
                    let src = gp + (b * g.cout + o) * plane
                    if let gb { for i in 0..<plane { gb[o] += src[i] } }
                    for ci in 0..<g.perGroupIn {
                        let xs = xp + (b * g.cin + group * g.perGroupIn + ci) * g.h * g.w
                        let wk = gw + (o * g.perGroupIn + ci) * g.kh * g.kw
                        Self.taps(g) { ki, kj, xi, yi in wk[ki * g.kw + kj] += src[yi] * xs[xi] }
                    }
                }
            }
        }
        guard needInputGrad[0] else { return [nil] }
        let dx = Tensor.reuse(&gradInput, shape: x.shape, zeroed: true)
        let dp = dx.data
        // Input gradients: each worker owns whole samples.
        Parallel.chunks(g.batch, minPerThread: 1) { r in
            for b in r {
                for o in 0..<g.cout {
                    let group = o / g.perGroupOut, src = gp + (b * g.cout + o) * plane
                    for ci in 0..<g.perGroupIn {
                        let dst = dp + (b * g.cin + group * g.perGroupIn + ci) * g.h * g.w
                        let wk = wp + (o * g.perGroupIn + ci) * g.kh * g.kw
                        Self.taps(g) { ki, kj, xi, yi in dst[xi] += wk[ki * g.kw + kj] * src[yi] }
                    }
                }
            }
        }
        return [dx]
    }
}

import CKernels

/// 2-D convolution, PyTorch layout: weight [out, in, k, k], bias [out]; input [B, in, H, W].
/// forward  col_b = im2col(x_b) [in*k*k, OH*OW] ; y_b[out, OH*OW] = W[out, in*k*k] * col_b + b
/// backward dW += sum_b dy_b * col_b^T ; db += sum_{b,pos} dy ; dx_b = col2im(W^T * dy_b)
///
/// Work is split across samples: each worker runs single-threaded GEMMs on its own contiguous
/// block of the batch with its own column buffer (measured faster on 2 cores than one batched
/// GEMM on BLAS threads, which would need an extra NCHW transpose). Weight gradients are summed
/// per worker and reduced in worker order, so results are bitwise reproducible for a fixed
/// thread count. Sizes come from the parameter shapes, so surgery may replace them.
/// Eval mode with a sparse masked weight multiplies the columns by a CSR form of W[out, in*k*k]
/// instead of sgemm (SparseInference). Stride-1 convolutions with outputs 8 or more wide skip
/// the column matrix (see `directConvolution`): the forward and the input gradient are direct convolutions
/// (CKernels/direct_conv.c), or Winograd F(2x2, 3x3) or F(4x4, 3x3) for 3x3 kernels
/// (WinogradConvolution), which then also computes the weight gradient; other 3x3 weight gradients use the column-free
/// direct kernel (`directWeightGradient`). Eval forwards that keep the column matrix multiply
/// with prn's kernel over a weight packed once (`packedGEMM`); stride-2 convolutions with large
/// kernels run on the direct kernel over the input's phases (`phaseSplit`).
public final class Conv2d: Layer, InputGradientAdding {
    public let kind = "conv2d"
    public let weight: Parameter
    public let bias: Parameter?
    public let stride: Int
    public let padding: Int
    public var outChannels: Int { weight.value.shape[0] }
    public var inChannels: Int { weight.value.shape[1] }
    public var kernel: Int { weight.value.shape[2] }
    public var config: [String: Double] {
        ["in": Double(inChannels), "out": Double(outChannels), "kernel": Double(kernel),
         "stride": Double(stride), "padding": Double(padding), "bias": bias == nil ? 0 : 1]
    }
    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    var input: Tensor?
    private var output: Tensor?
    var gradInput: Tensor?
    /// Per-worker scratch: column matrix, its gradient, and a weight-gradient accumulator.
    var columns: [Tensor?] = []
    var gradColumns: [Tensor?] = []
    var gradWeights: [Tensor?] = []
    private var groupOutputs: [Tensor?] = []
    /// Direct-convolution scratch: padded inputs per worker, and the transposed weight.
    private var paddedInputs: [Tensor?] = []
    private var directWeight = DerivedWeight()
    /// The weight as prn_strided_conv_rows reads it (`stridedFewChannels`).
    private var stridedWeight = DerivedWeight()
    /// The weight as prn_packed_gemm reads it (eval forwards on the im2col path).
    private var packedWeight = DerivedWeight()
    /// The same for the input gradient of the backward pass (the adjoint convolution).
    var gradPadded: [Tensor?] = []
    var adjointWeight: Tensor?
    /// The weight gradient without columns: padded inputs and output gradients on the padded grid,
    /// a few samples per worker (CKernels/direct_conv_weight_grad.c).
    var weightGradInputs: [Tensor?] = []
    var weightGradGrids: [Tensor?] = []
    /// Winograd F(2x2, 3x3) and F(4x4, 3x3) for 3x3 stride-1 forwards and input gradients (see
    /// `winogradConvolution`, `winogradForm`); an input gradient's transformed weight is remade on
    /// every call, so it is never held (`DerivedWeight`).
    private let winograd = WinogradConvolution()
    private let winograd4x4 = WinogradConvolution(.f4x4)
    /// CSR form of the weight for eval-mode forwards of sparse masked weights.
    private let sparseWeight = SparseWeightCache()
    /// The settings of the latest forward, which its backward continues with.
    private(set) var configuration = EngineConfiguration.standard

    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                bias: Bool = true) {
        precondition(inChannels > 0 && outChannels > 0 && kernel > 0 && stride > 0 && padding >= 0,
                     "conv2d: in, out, kernel and stride must be positive and padding >= 0")
        weight = Parameter(name: "weight", role: .weight,
                           value: Tensor(shape: [outChannels, inChannels, kernel, kernel]))
        self.bias = bias ? Parameter(name: "bias", role: .bias, value: Tensor(shape: [outChannels])) : nil
        self.stride = stride
        self.padding = padding
    }

    public func initialize(_ rng: inout RandomStream, _ scheme: WeightInit = .pytorchDefault) {
        let area = kernel * kernel
        scheme.fill(weight: weight.value, bias: bias?.value, fanIn: inChannels * area,
                    fanOut: outChannels * area, &rng)
    }

    func geometry(height: Int, width: Int) -> ConvGeometry {
        ConvGeometry(channels: inChannels, height: height, width: width, kernel: kernel,
                     stride: stride, padding: padding)
    }

    public func outputShape(_ s: [[Int]]) throws -> [Int] {
        guard s.count == 1, s[0].count == 3, s[0][0] == inChannels else {
            throw ShapeError("conv2d expects [\(inChannels), H, W] input, got \(s.first ?? [])")
        }
        let g = geometry(height: s[0][1], width: s[0][2])
        guard s[0][1] + 2 * padding >= kernel, s[0][2] + 2 * padding >= kernel else {
            throw ShapeError("conv2d kernel \(kernel) (padding \(padding)) is larger than the \(s[0][1])x\(s[0][2]) input")
        }
        return [outChannels, g.outHeight, g.outWidth]
    }

    public func macs(_ s: [[Int]]) -> Int {
        guard let out = try? outputShape(s) else { return 0 }
        return inChannels * kernel * kernel * out[0] * out[1] * out[2]
    }

    /// Replaces the weights after structured pruning ([kept out, kept in, k, k]).
    public func resize(weight w: Tensor, bias b: Tensor?) {
        precondition(w.rank == 4 && w.shape[2] == kernel && w.shape[3] == kernel, "conv2d resize: bad weight \(w.shape)")
        weight.replace(with: w)
        if let b, let p = bias { p.replace(with: b) }
        input = nil; output = nil; gradInput = nil
        columns = []; gradColumns = []; gradWeights = []; groupOutputs = []
        paddedInputs = []; directWeight.reset(); stridedWeight.reset(); packedWeight.reset()
        gradPadded = []; adjointWeight = nil
        winograd.reset(); winograd4x4.reset()
        sparseWeight.reset()
    }

    /// Workers for a batch: one per thread, never more than samples.
    func workerCount(_ batch: Int) -> Int { Swift.max(1, Swift.min(configuration.threads, batch)) }

    /// Runs `body(worker, samples)` with each worker on its own block of the batch. With more than
    /// one worker BLAS runs single-threaded inside (never nested threads); with one, BLAS keeps its threads.
    func perWorker(_ batch: Int, _ body: (Int, Range<Int>) -> Void) {
        let workers = workerCount(batch)
        if workers == 1 { body(0, 0..<batch); return }
        BLAS.setThreads(1)
        defer { BLAS.setThreads(configuration.threads) }
        Parallel.chunks(workers, threads: workers) { r in
            for w in r { body(w, (batch * w / workers)..<(batch * (w + 1) / workers)) }
        }
    }

    /// Makes sure `slots` holds `workers` buffers of `count` elements each (allocated outside hot loops).
    static func prepare(_ slots: inout [Tensor?], workers: Int, count: Int) -> [Tensor] {
        if slots.count < workers { slots += Array(repeating: nil, count: workers - slots.count) }
        return (0..<workers).map { Tensor.reuse(&slots[$0], shape: [count]) }
    }

    /// Output positions one GEMM should cover at least: below this, BLAS's per-call overhead and
    /// thin panels dominate (the 8x8 and 16x16 stages of a pruned VGG), so several samples are
    /// laid side by side in one column matrix.
    static let minimumGEMMColumns = 1024

    public func forward(_ inputs: [Tensor], mode: Mode) -> Tensor {
        run(inputs[0], mode: mode, epilogue: nil, configuration: .standard)
    }

    public func forward(_ inputs: [Tensor], mode: Mode, configuration: EngineConfiguration) -> Tensor {
        run(inputs[0], mode: mode, epilogue: nil, configuration: configuration)
    }

    /// An eval-mode forward with `epilogue` applied to every output channel as it is written
    /// (the layer's bias is part of the epilogue's shift; see InferenceFusion).
    public func forwardEval(_ x: Tensor, epilogue: ConvEpilogue, configuration: EngineConfiguration = .standard) -> Tensor {
        run(x, mode: .eval, epilogue: epilogue, configuration: configuration)
    }

    private func run(_ x: Tensor, mode: Mode, epilogue: ConvEpilogue?, configuration: EngineConfiguration) -> Tensor {
        self.configuration = configuration
        precondition(x.rank == 4 && x.shape[1] == inChannels, "conv2d: input \(x.shape) vs in=\(inChannels)")
        let batch = x.shape[0], g = geometry(height: x.shape[2], width: x.shape[3])
        let y = Tensor.reuse(&output, shape: [batch, outChannels, g.outHeight, g.outWidth])
        let csr = mode == .eval ? sparseWeight.matrix(for: weight, rows: outChannels, policy: configuration.sparseInference) : nil
        let path = forwardPath(g, batch: batch, mode: mode, sparse: csr != nil)
        // Winograd's output pass and the in-place packed product's tiles add a residual as they
        // write; the other paths write the conv (and norm) first, and the residual and ReLU follow
        // in one pass over the output.
        guard let e = epilogue, let residual = e.residual, !path.addsResidual else {
            return run(x, y, g, path: path, csr: csr, mode: mode, epilogue: epilogue)
        }
        _ = run(x, y, g, path: path, csr: csr, mode: mode, epilogue: e.beforeResidual)
        precondition(residual.shape == y.shape, "conv2d: residual \(residual.shape) vs output \(y.shape)")
        let yp = y.data, rp = residual.data, relu: Int32 = e.relu ? 1 : 0
        Parallel.chunks(y.count, minPerThread: 1 << 14, threads: configuration.threads) { r in
            prn_add_relu(yp + r.lowerBound, rp + r.lowerBound, yp + r.lowerBound, r.count, relu)
        }
        return y
    }

    /// The ways a forward can run, in the order `forwardPath` tries them.
    enum ForwardPath {
        /// Stride 1 without a column matrix: Winograd or the direct kernel.
        case direct(winograd: Bool)
        case strided, phaseSplit, subsampled
        /// Eval only: prn's packed product, reading the input in place where `inPlace`.
        case packed(inPlace: Bool)
        /// One GEMM over the columns of `group` samples side by side.
        case grouped(Int)
        /// im2col (unless pointwise) and a GEMM (or the sparse product) per sample.
        case columns

        /// Whether the path adds an epilogue's residual as it writes the output.
        var addsResidual: Bool {
            switch self {
            case .direct(let winograd): return winograd
            case .packed(let inPlace): return inPlace
            default: return false
            }
        }
    }

    func forwardPath(_ g: ConvGeometry, batch: Int, mode: Mode, sparse: Bool) -> ForwardPath {
        if !sparse {
            if directConvolution(g) { return .direct(winograd: winogradConvolution(g)) }
            if stridedFewChannels(g) { return .strided }
            if phaseSplit(g) { return .phaseSplit }
            if subsampledPointwise(g, batch: batch) { return .subsampled }
        }
        let workers = workerCount(batch), hw = g.colCols
        let group = sparse || g.isPointwise ? 1
            : Swift.max(1, Swift.min(Conv2d.minimumGEMMColumns / Swift.max(hw, 1), (batch + workers - 1) / workers))
        if !sparse, mode == .eval, packedGEMM, group == 1 || Conv2d.packedTilesFit(hw) {
            return .packed(inPlace: !g.isPointwise && prn_packed_conv_applies(g.kernel, g.stride, g.outWidth) != 0)
        }
        return group > 1 ? .grouped(group) : .columns
    }

    private func run(_ x: Tensor, _ y: Tensor, _ g: ConvGeometry, path: ForwardPath, csr: SparseMatrix?, mode: Mode,
                     epilogue: ConvEpilogue?) -> Tensor {
        let batch = x.shape[0], o = outChannels, kk = g.colRows, hw = g.colCols, inItem = x.itemCount
        let workers = workerCount(batch)
        switch path {
        case .direct:
            forwardDirect(x, y, g, workers: workers, epilogue: epilogue, keepTransform: mode == .eval)
        case .strided:
            forwardStrided(x, y, g, workers: workers, epilogue: epilogue, keep: mode == .eval)
        case .phaseSplit:
            forwardPhaseSplit(x, y, g, workers: workers, epilogue: epilogue, keep: mode == .eval)
        case .subsampled:
            forwardSubsampled(x, y, g, workers: workers, epilogue: epilogue, keep: mode == .eval)
        case .packed(let inPlace):
            forwardPacked(x, y, g, inPlace: inPlace, workers: workers, epilogue: epilogue)
        case .grouped(let group):
            forwardGrouped(x, y, g, group: group, workers: workers, epilogue: epilogue)
        case .columns:
            break
        }
        guard case .columns = path else {
            if mode == .train { input = x }
            return y
        }
        let cols = g.isPointwise ? [] : Conv2d.prepare(&columns, workers: workers, count: kk * hw)
        let xp = x.data, yp = y.data, wp = weight.value.data
        // With an epilogue the bias is in its shift, applied after the product.
        let bp = epilogue == nil ? bias?.value.data : nil
        // One worker (batch 1): BLAS runs on all threads, and so does im2col.
        let im2colThreads = workers == 1 ? configuration.threads : 1
        perWorker(batch) { w, samples in
            for b in samples {
                let xb = UnsafePointer(xp + b * inItem), yb = yp + b * o * hw
                let col: UnsafePointer<Float> = g.isPointwise ? xb : UnsafePointer(cols[w].data)
                if !g.isPointwise { ConvKernels.im2col(g, xb, cols[w].data, threads: im2colThreads) }
                if let bp { for c in 0..<o { (yb + c * hw).update(repeating: bp[c], count: hw) } }
                if let csr {
                    csr.multiply(rows: 0..<o, b: col, n: hw, c: yb, ldc: hw, accumulate: bp != nil)
                } else {
                    BLAS.sgemm(m: o, n: hw, k: kk, a: wp, lda: kk, b: col, ldb: hw,
                               beta: bp == nil ? 0 : 1, c: yb, ldc: hw)
                }
                if let e = epilogue {
                    for c in 0..<o { e.apply(channel: c, from: yb + c * hw, to: yb + c * hw, count: hw) }
                }
            }
        }
        if mode == .train { input = x }
        return y
    }

    /// Convolutions that run without a column matrix (CKernels/direct_conv.c): stride 1,
    /// padding below the kernel size, outputs at least `minimumDirectWidth` wide. The k-1
    /// columns of each padded row past the output are computed and dropped; narrower outputs go
    /// through grouped GEMMs. (Measured with `prn bench vgg` / `prn bench lenet5`: a limit of 16
    /// instead of 8 made both vgg-small workloads slower; also requiring the output to be 3/4 of
    /// the padded width, which sends LeNet-5's valid 5x5 conv2 (10 of 14) back to GEMMs, made
    /// LeNet-5 inference slower; a limit of 7, which sends vgg-small's 7x7 stage on 28x28 inputs
    /// to the direct kernel, made its `eval` latency after `load vgg-small data=fashion-mnist`
    /// longer.)
    /// `EngineConfiguration.directConvolution` off: always im2col + GEMM.
    static let minimumDirectWidth = 8

    func directConvolution(_ g: ConvGeometry) -> Bool {
        configuration.directConvolution && g.stride == 1 && g.padding < g.kernel && !g.isPointwise && g.outWidth >= Conv2d.minimumDirectWidth
    }

    /// Direct convolutions with a 3x3 kernel that run as Winograd F(2x2, 3x3) instead
    /// (WinogradConvolution). `EngineConfiguration.winograd` off: the direct kernel.
    func winogradConvolution(_ g: ConvGeometry) -> Bool {
        configuration.winograd && directConvolution(g) && WinogradConvolution.applies(g)
    }

    /// The Winograd algorithm of a convolution of `batch` samples of a `winogradConvolution` shape
    /// (a forward, or the adjoint one of an input gradient): F(4x4, 3x3) where it does clearly less work
    /// (`WinogradForm.fewerProducts`, `EngineConfiguration.winograd4x4`), else F(2x2, 3x3).
    func winogradForm(_ g: ConvGeometry, batch: Int) -> WinogradForm {
        let large = configuration.winograd4x4
            && WinogradForm.fewerProducts(batch: batch, height: g.height, width: g.width, padding: g.padding,
                                          threads: configuration.threads)
        return large ? .f4x4 : .f2x2
    }

    /// The Winograd convolution that runs `winogradForm(g, batch:)`.
    func winogradRunner(_ g: ConvGeometry, batch: Int) -> WinogradConvolution {
        winogradForm(g, batch: batch) == .f4x4 ? winograd4x4 : winograd
    }

    /// Weight gradients computed without a column matrix (CKernels/direct_conv_weight_grad.c):
    /// stride-1 3x3 convolutions, padding 0-2. Other shapes use im2col + GEMM.
    /// `EngineConfiguration.directConvolution` off: always im2col + GEMM.
    func directWeightGradient(_ g: ConvGeometry) -> Bool {
        configuration.directConvolution && g.stride == 1 && g.kernel == 3 && g.padding <= 2
    }

    /// The convolution whose forward is this layer's input gradient: over the output gradient
    /// (out channels, OH x OW), padding k-1-p, giving H x W.
    func adjointGeometry(_ g: ConvGeometry) -> ConvGeometry {
        ConvGeometry(channels: outChannels, height: g.outHeight, width: g.outWidth, kernel: g.kernel, stride: 1,
                     padding: g.kernel - 1 - g.padding)
    }

    /// `keepTransform`: an eval-mode forward, which reuses the transformed weight of the last one
    /// while the weight is unchanged (WinogradConvolution).
    private func forwardDirect(_ x: Tensor, _ y: Tensor, _ g: ConvGeometry, workers: Int, epilogue: ConvEpilogue?,
                               keepTransform: Bool) {
        let o = outChannels, c = inChannels, k = kernel, p = padding, h = g.height, w = g.width
        let inItem = x.itemCount, xp = x.data, yp = y.data
        // Without a fused chain the output pass only adds the bias (scale 1).
        let e = epilogue ?? ConvEpilogue(biasOf: self)
        let batch = x.shape[0], threads = configuration.threads
        if winogradConvolution(g) {
            e.withPointers { scale, shift, _ in
                winogradRunner(g, batch: batch).run(xp, batch: batch, channels: c, outs: o, height: h, width: w,
                                                    padding: p, weight: weight.value, adjoint: false,
                                                    keepTransform: keepTransform, into: yp, scale: scale, shift: shift,
                                                    residual: e.residual.map { UnsafePointer($0.data) }, relu: e.relu,
                                                    threads: threads)
            }
            return
        }
        let wp = directForwardWeights(keep: keepTransform)
        runDirect(batch: batch, channels: c, height: h, width: w, kernel: k, padding: p, weights: wp, phaseKernel: 0,
                  workers: workers, into: yp, epilogue: e) { b, pad in prn_direct_conv_pad(xp + b * inItem, pad, c, h, w, p) }
    }

    /// The direct kernel over `batch` samples, `fill(b, pad)` writing sample b as its padded input
    /// (prn_direct_conv_pad's layout for [channels, height, width] and `padding`), the output of
    /// `kernel` at stride 1 into y through the epilogue.
    private func runDirect(batch: Int, channels c: Int, height h: Int, width w: Int, kernel k: Int, padding p: Int,
                           weights wp: UnsafePointer<Float>, phaseKernel: Int, workers: Int, into yp: UnsafeMutablePointer<Float>,
                           epilogue e: ConvEpilogue, fill: (Int, UnsafeMutablePointer<Float>) -> Void) {
        let o = outChannels, threads = configuration.threads, blocks = (o + 7) / 8
        let plane = (h + 2 * p - k + 1) * (w + 2 * p - k + 1), outItem = o * plane
        let pads = Conv2d.prepare(&paddedInputs, workers: workers, count: prn_direct_conv_padded_size(c, h, w, p))
        e.withPointers { sp, bp, relu in
            if batch < threads {
                // Fewer samples than threads (batch 1 in deployment): the threads split each
                // sample's grid positions, in pairs of 16-position tiles, where there are enough
                // of them to share evenly, else its blocks of 8 output channels.
                let pad = pads[0].data, pairs = (prn_direct_conv_positions(h, w, k, p) + 31) / 32
                let byPositions = pairs >= 8 * threads || blocks < threads
                for b in 0..<batch {
                    fill(b, pad)
                    let y = yp + b * outItem
                    Parallel.chunks(byPositions ? pairs : blocks, threads: threads) { r in
                        if byPositions {
                            prn_direct_conv_part(pad, wp, y, c, h, w, k, p, o, phaseKernel, 0, o, r.lowerBound * 32,
                                                 r.count * 32, sp, bp, relu)
                        } else {
                            prn_direct_conv_part(pad, wp, y, c, h, w, k, p, o, phaseKernel, r.lowerBound * 8,
                                                 r.count * 8, 0, pairs * 32, sp, bp, relu)
                        }
                    }
                }
                return
            }
            perWorker(batch) { worker, samples in
                let pad = pads[worker].data
                for b in samples {
                    fill(b, pad)
                    prn_direct_conv(pad, wp, yp + b * outItem, c, h, w, k, p, o, phaseKernel, sp, bp, relu)
                }
            }
        }
    }

    /// Stride-2 convolutions with kernels of 5 or more (a ResNet's 7x7 stem) as stride-1 direct
    /// convolutions: the input split into its four phases (even/odd rows x even/odd columns) is
    /// 4C channels of half the size, over which a kernel of ceil(k/2) (the original's taps of
    /// each phase, zeros where 2u + a >= k) at stride 1 gives the same output. The direct kernel
    /// skips each phase's zero taps (its `phase_kernel`), so the multiply-adds are the original
    /// convolution's; the column matrix cost more: for resnet18's stem at batch 1 im2col took as
    /// long as the product.
    func phaseSplit(_ g: ConvGeometry) -> Bool {
        configuration.directConvolution && g.stride == 2 && g.kernel >= 5 && g.outWidth >= Conv2d.minimumDirectWidth
    }

    /// The stride-2 convolutions that `phaseSplit` takes, when their input has at most 4 channels
    /// (an image network's stem), run on prn_strided_conv_rows instead: broadcasting each input
    /// against vectors of output channels reads the stride-2 input in place, where the phase split
    /// first copies it into four phases (for resnet18's 7x7 stem a pass of its own over 600 KB),
    /// and its vector loads never straddle two cache lines.
    func stridedFewChannels(_ g: ConvGeometry) -> Bool {
        phaseSplit(g) && prn_strided_conv_applies(inChannels, g.kernel, g.stride) != 0
    }

    private func forwardStrided(_ x: Tensor, _ y: Tensor, _ g: ConvGeometry, workers: Int, epilogue: ConvEpilogue?,
                                keep: Bool) {
        let c = inChannels, o = outChannels, k = kernel, p = padding, h = g.height, w = g.width
        let oh = g.outHeight, ow = g.outWidth, inItem = x.itemCount, outItem = o * oh * ow
        let xp = UnsafePointer(x.data), yp = y.data, batch = x.shape[0], threads = configuration.threads
        let weights = stridedWeight.get(from: weight.value, size: prn_strided_conv_weight_size(o, c, k), keep: keep) {
            prn_strided_conv_weight(weight.value.data, o, c, k, $0)
        }
        let scratch = prn_strided_conv_scratch_size(c, k, ow, o)
        (epilogue ?? ConvEpilogue(biasOf: self)).withPointers { scale, shift, relu in
            let rows = { (b: Int, r: Range<Int>) in
                guard let s = prn_thread_scratch(0, scratch) else {
                    preconditionFailure("conv2d: out of memory for \(scratch) floats of scratch")
                }
                prn_strided_conv_rows(xp + b * inItem, weights, yp + b * outItem, c, h, w, k, p, o, oh, ow, r.lowerBound,
                                      r.count, scale, shift, relu, s)
            }
            // Fewer samples than threads (batch 1 in deployment): the threads split each sample's rows.
            if batch < threads {
                for b in 0..<batch { Parallel.chunks(oh, threads: threads) { rows(b, $0) } }
            } else {
                perWorker(batch) { _, samples in for b in samples { rows(b, 0..<oh) } }
            }
        }
    }

    private func forwardPhaseSplit(_ x: Tensor, _ y: Tensor, _ g: ConvGeometry, workers: Int, epilogue: ConvEpilogue?,
                                   keep: Bool) {
        let c = inChannels, h = g.height, w = g.width, p = padding, half = (kernel + 1) / 2
        let h2 = g.outHeight + half - 1, w2 = g.outWidth + half - 1, inItem = x.itemCount, xp = x.data
        let threads = configuration.threads
        let e = epilogue ?? ConvEpilogue(biasOf: self)
        runDirect(batch: x.shape[0], channels: 4 * c, height: h2, width: w2, kernel: half, padding: 0,
                  weights: phaseSplitWeights(keep: keep), phaseKernel: kernel, workers: workers, into: y.data,
                  epilogue: e) { b, pad in
            // One sample at a time (batch 1) runs this on one thread otherwise.
            Parallel.chunks(4 * c, threads: workers == 1 ? threads : 1) { r in
                prn_phase_split2(xp + b * inItem, pad, c, h, w, p, h2, w2, r.lowerBound, r.count)
            }
        }
    }

    /// Pointwise stride-2 convolutions (a ResNet's downsampling shortcut) as pointwise stride-1
    /// direct convolutions over the input's even rows and columns (`prn_subsample2`), for batches
    /// of at least one sample per thread: with 32 to 64 input channels the packed product's tiles
    /// spent about as long transposing and writing their outputs as multiplying. At batch 1, where
    /// the threads split one sample, the copy is a pass of its own and it was no faster.
    func subsampledPointwise(_ g: ConvGeometry, batch: Int) -> Bool {
        configuration.directConvolution && g.kernel == 1 && g.stride == 2 && g.padding == 0
            && g.outWidth >= Conv2d.minimumDirectWidth && batch >= configuration.threads
    }

    private func forwardSubsampled(_ x: Tensor, _ y: Tensor, _ g: ConvGeometry, workers: Int, epilogue: ConvEpilogue?,
                                   keep: Bool) {
        let c = inChannels, h = g.height, w = g.width, oh = g.outHeight, ow = g.outWidth, inItem = x.itemCount
        let xp = x.data
        // Each worker copies its own samples (subsampledPointwise: a sample per thread).
        runDirect(batch: x.shape[0], channels: c, height: oh, width: ow, kernel: 1, padding: 0,
                  weights: directForwardWeights(keep: keep), phaseKernel: 0, workers: workers, into: y.data,
                  epilogue: epilogue ?? ConvEpilogue(biasOf: self)) { b, pad in
            prn_subsample2(xp + b * inItem, pad, c, h, w, oh, ow, 0, c)
        }
    }

    /// The phase-split convolution's weight (ConvKernels.phaseSplitWeights) in the direct kernel's
    /// layout.
    private func phaseSplitWeights(keep: Bool) -> UnsafePointer<Float> {
        let o = outChannels, c = inChannels, k = kernel, half = (k + 1) / 2
        return directWeight.get(from: weight.value, size: 4 * c * half * half * ((o + 7) / 8 * 8), keep: keep) { dst in
            let split = Tensor(shape: [o, 4 * c, half, half])
            ConvKernels.phaseSplitWeights(weight.value.data, outChannels: o, inChannels: c, kernel: k, into: split.data)
            ConvKernels.directWeights(split.data, outChannels: o, inChannels: 4 * c, kernel: half, adjoint: false, into: dst)
        }
    }

    /// The weight in the direct kernel's layout (ConvKernels.directWeights), kept across eval
    /// forwards (at batch 1 rearranging a 512-channel weight costs about as much as the
    /// convolution).
    private func directForwardWeights(keep: Bool) -> UnsafePointer<Float> {
        directWeight.get(from: weight.value, size: inChannels * kernel * kernel * ((outChannels + 7) / 8 * 8), keep: keep) {
            ConvKernels.directWeights(weight.value.data, outChannels: outChannels, inChannels: inChannels, kernel: kernel,
                                      adjoint: false, into: $0)
        }
    }

    /// Eval forwards on the im2col path multiply with prn's own kernel (CKernels/packed_gemm.c)
    /// over a weight packed when it changes: BLAS packs the weight on every call, which at batch 1
    /// costs as much as the product for the large late layers.
    var packedGEMM: Bool { configuration.packedGEMM && Conv2d.packedGEMMPreferred }
    static let packedGEMMPreferred = prn_packed_gemm_preferred() != 0

    /// Whether a sample's positions fill the packed kernel's 14-column tiles well enough (85%)
    /// that it beats BLAS over several samples' columns side by side: 7x7 and 8x8 maps do (49 of
    /// 56, 64 of 70), 4x4 does not (16 of 28; `prn bench vgg` inference was slower with it).
    static func packedTilesFit(_ positions: Int) -> Bool {
        positions * 100 >= prn_packed_gemm_tiles(positions) * 14 * 85
    }

    /// At batch 1 each sample's product is split across the threads by (32 output channels, 14
    /// positions) tiles; otherwise each worker multiplies its own samples. The epilogue (or the
    /// bias) is applied as a tile is written. Where prn_packed_conv takes the shape, the product
    /// reads the input in place: copied once with its padding (or as it is, without padding)
    /// instead of written out as a column matrix of kernel^2 / stride^2 times its size.
    private func forwardPacked(_ x: Tensor, _ y: Tensor, _ g: ConvGeometry, inPlace: Bool, workers: Int,
                               epilogue: ConvEpilogue?) {
        let o = outChannels, c = inChannels, kk = g.colRows, hw = g.colCols, inItem = x.itemCount, p = g.padding
        let packed = packedWeights()
        // Per worker: the padded input (in place), the column matrix (im2col), or nothing.
        let scratch = inPlace ? (p == 0 ? 0 : prn_packed_conv_padded_size(c, g.height, g.width, p)) : (g.isPointwise ? 0 : kk * hw)
        let buffers = scratch == 0 ? [] : Conv2d.prepare(&columns, workers: workers, count: scratch)
        let e = epilogue ?? ConvEpilogue(biasOf: self)
        // Only the in-place product adds a residual (ForwardPath.addsResidual).
        precondition(inPlace || e.residual == nil, "conv2d: a residual on the column-matrix packed product")
        let residual = e.residual.map { UnsafePointer($0.data) }
        let blocks = (o + 31) / 32, tiles = prn_packed_gemm_tiles(hw)
        let items = blocks * tiles, tailSize = prn_packed_gemm_tail_size(kk)
        // One worker (batch 1): im2col and the product are split across the threads.
        let inner = workers == 1 ? configuration.threads : 1
        e.withPointers { scale, shift, relu in
            perWorker(x.shape[0]) { worker, samples in
                for b in samples {
                    let xb = UnsafePointer(x.data + b * inItem), yb = y.data + b * o * hw, rb = residual.map { $0 + b * o * hw }
                    if scratch > 0 {
                        if inPlace {
                            let padded = buffers[worker].data
                            Parallel.chunks(c, threads: inner) { r in
                                prn_packed_conv_pad(xb + r.lowerBound * g.height * g.width,
                                                    padded + prn_packed_conv_padded_size(r.lowerBound, g.height, g.width, p),
                                                    r.count, g.height, g.width, p)
                            }
                        }
                        else { ConvKernels.im2col(g, xb, buffers[worker].data, threads: inner) }
                    }
                    let src = scratch == 0 ? xb : UnsafePointer(buffers[worker].data)
                    // A batch-1 input more than half the weight's size is split by output positions
                    // (each thread every block of outputs for its tiles), so each thread reads the part
                    // of the input under its tiles, mostly rows it wrote itself in the layer before,
                    // and writes the rows the next layer's band will read; split by blocks of
                    // outputs, each thread would read half the weight but all of the input, half of
                    // it from the other core's cache.
                    let convolve = { (first: Int, count: Int) in
                        prn_packed_conv(packed, src, c, g.height + 2 * p, g.width + 2 * p, g.kernel, g.stride, g.outHeight,
                                        g.outWidth, yb, o, first, count, scale, shift, rb, relu)
                    }
                    if inPlace && inner > 1 && blocks > 1 && 2 * c * g.height * g.width > o * kk {
                        Parallel.chunks(tiles, threads: inner) { r in
                            for block in 0..<blocks { convolve(block * tiles + r.lowerBound, r.count) }
                        }
                        continue
                    }
                    Parallel.chunks(items, threads: inner) { r in
                        if inPlace {
                            convolve(r.lowerBound, r.count)
                            return
                        }
                        guard let tail = prn_thread_scratch(0, tailSize) else {
                            preconditionFailure("conv2d: out of memory for \(tailSize) floats of scratch")
                        }
                        prn_packed_gemm(packed, src, hw, yb, hw, o, kk, hw, r.lowerBound, r.count, scale, shift, relu, tail)
                    }
                }
            }
        }
    }

    /// The weight packed for prn_packed_gemm, repacked when its fingerprint changes.
    private func packedWeights() -> UnsafePointer<Float> {
        let rows = outChannels, taps = inChannels * kernel * kernel
        return packedWeight.get(from: weight.value, size: prn_packed_gemm_weight_size(rows, taps), keep: true) {
            prn_packed_gemm_pack(weight.value.data, rows, taps, $0)
        }
    }

    /// Forward over groups of `group` samples: their columns side by side in one matrix
    /// [C*k*k, group*OH*OW], one GEMM into a scratch [out, group*OH*OW], then each sample's
    /// block copied to its NCHW place with the bias (or through the epilogue).
    private func forwardGrouped(_ x: Tensor, _ y: Tensor, _ g: ConvGeometry, group: Int, workers: Int,
                                epilogue: ConvEpilogue?) {
        let o = outChannels, kk = g.colRows, hw = g.colCols, inItem = x.itemCount, batch = x.shape[0]
        let cols = Conv2d.prepare(&columns, workers: workers, count: kk * hw * group)
        let outs = Conv2d.prepare(&groupOutputs, workers: workers, count: o * hw * group)
        let xp = x.data, yp = y.data, wp = weight.value.data, bp = bias?.value.data
        perWorker(batch) { w, samples in
            var start = samples.lowerBound
            while start < samples.upperBound {
                let n = Swift.min(group, samples.upperBound - start), ld = n * hw
                let col = cols[w].data, out = outs[w].data
                for j in 0..<n { ConvKernels.im2col(g, xp + (start + j) * inItem, col + j * hw, ld: ld) }
                BLAS.sgemm(m: o, n: ld, k: kk, a: wp, lda: kk, b: col, ldb: ld, c: out, ldc: ld)
                for j in 0..<n {
                    let yb = yp + (start + j) * o * hw
                    for c in 0..<o {
                        let src = out + c * ld + j * hw, dst = yb + c * hw
                        if let e = epilogue {
                            e.apply(channel: c, from: src, to: dst, count: hw)
                        } else if let bp {
                            let bias = bp[c]
                            for q in 0..<hw { dst[q] = src[q] + bias }
                        } else {
                            dst.update(from: src, count: hw)
                        }
                    }
                }
                start += n
            }
        }
    }
}

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
/// kernels run on the direct kernel over the input's phases (`phaseSplit`), or with 1-4 input
/// channels on the broadcast kernel (`stridedFewChannels`). This file holds the layer and the
/// choice of path (`forwardPath`); the paths are in Conv2dDirectForward.swift and
/// Conv2dProductForward.swift, the backward in Conv2dBackward.swift.
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
    var groupOutputs: [Tensor?] = []
    /// Direct-convolution scratch: padded inputs per worker, and the transposed weight.
    var paddedInputs: [Tensor?] = []
    var directWeight = DerivedWeight()
    /// The weight as prn_strided_conv_rows reads it (`stridedFewChannels`).
    var stridedWeight = DerivedWeight()
    /// The weight as prn_packed_gemm reads it (eval forwards on the im2col path).
    var packedWeight = DerivedWeight()
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
    let winograd = WinogradConvolution()
    let winograd4x4 = WinogradConvolution(.f4x4)
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
        let workers = workerCount(x.shape[0])
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
            forwardColumns(x, y, g, csr: csr, workers: workers, epilogue: epilogue)
        }
        if mode == .train { input = x }
        return y
    }

}

import CKernels

/// What an eval-mode convolution applies to each output channel c as it writes it:
/// y = scale[c] * (W x)[c] + shift[c], then max(y, 0) when `relu`. It is conv -> batch norm ->
/// ReLU folded into the convolution's own pass over its output (see InferenceFusion), so the
/// batch norm and the ReLU no longer each read and write the whole activation tensor.
/// With `residual`, y = scale[c] * (W x)[c] + shift[c] + residual, then the ReLU: conv -> batch
/// norm -> add -> ReLU, a residual block's second convolution and its join.
public struct ConvEpilogue {
    public let scale: [Float]
    /// Includes the convolution's bias.
    public let shift: [Float]
    public let relu: Bool
    /// The add's other input, [batch, outs, OH, OW] like the output.
    public var residual: Tensor?

    /// The convolution's bias, then the batch norm's eval-mode affine map (if any), then ReLU.
    public init(conv: Conv2d, norm: BatchNorm?, relu: Bool) {
        let o = conv.outChannels
        let bias = conv.bias.map { $0.value.array } ?? Array(repeating: 0, count: o)
        if let norm {
            let (a, b) = norm.evalAffine()
            scale = a
            shift = (0..<o).map { a[$0] * bias[$0] + b[$0] }
        } else {
            scale = Array(repeating: 1, count: o)
            shift = bias
        }
        self.relu = relu
    }

    private init(scale: [Float], shift: [Float], relu: Bool) {
        self.scale = scale
        self.shift = shift
        self.relu = relu
    }

    /// The conv's bias alone (scale 1, no ReLU): what an output pass applies without a fused chain.
    init(biasOf conv: Conv2d) { self.init(conv: conv, norm: nil, relu: false) }

    /// The map before the residual add: scale and shift only (the ReLU comes after the add).
    var beforeResidual: ConvEpilogue { ConvEpilogue(scale: scale, shift: shift, relu: false) }

    /// `body` with the scale and shift as C pointers and ReLU as C's flag, for the kernels that
    /// apply the epilogue as they write.
    func withPointers<R>(_ body: (UnsafePointer<Float>, UnsafePointer<Float>, Int32) -> R) -> R {
        scale.withUnsafeBufferPointer { scale in
            shift.withUnsafeBufferPointer { shift in
                // An empty layer (no output channels) has no storage; the kernels read nothing then.
                body(scale.baseAddress ?? ConvEpilogue.nothing, shift.baseAddress ?? ConvEpilogue.nothing, relu ? 1 : 0)
            }
        }
    }

    nonisolated(unsafe) private static let nothing = UnsafePointer(UnsafeMutablePointer<Float>.allocate(capacity: 1))

    @inline(__always)
    func apply(channel c: Int, from src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>, count: Int) {
        prn_affine_relu(src, dst, count, scale[c], shift[c], relu ? 1 : 0)
    }
}

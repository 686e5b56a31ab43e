import CKernels

/// What an eval-mode convolution applies to each output channel c as it writes it:
/// y = scale[c] * (W x)[c] + shift[c], then max(y, 0) when `relu`. It is conv -> batch norm ->
/// ReLU folded into the convolution's own pass over its output (see InferenceFusion), so the
/// batch norm and the ReLU no longer each read and write the whole activation tensor.
public struct ConvEpilogue {
    public let scale: [Float]
    /// Includes the convolution's bias.
    public let shift: [Float]
    public let relu: Bool

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

    @inline(__always)
    func apply(channel c: Int, from src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>, count: Int) {
        prn_affine_relu(src, dst, count, scale[c], shift[c], relu ? 1 : 0)
    }
}

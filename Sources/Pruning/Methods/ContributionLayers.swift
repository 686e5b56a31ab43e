import Engine

/// A linear or conv layer as the activation statistics see it: a weight [out, fan] whose every
/// output (a row of a linear layer's batch, an output position of a convolution) is one sample of
/// a_j = sum_i w_ij x_i + b_j.
struct StatLayer {
    let node: Int
    let name: String
    let weight: Parameter
    let bias: Parameter?
    /// nil for a linear layer.
    let conv: Conv2d?
    /// The node whose output says whether a unit is active (the ReLU after the layer, past any
    /// batch norm); nil when no activation follows (the output layer), so every unit is active.
    let activation: Int?

    var outUnits: Int { weight.value.shape[0] }
    var fan: Int { weight.value.count / max(outUnits, 1) }

    /// Every linear and conv layer, in graph order (the order of `PrunableWeights.of`).
    static func all(_ model: Model) -> [StatLayer] {
        model.nodes.indices.compactMap { of(model, node: $0) }
    }

    static func of(_ model: Model, node i: Int) -> StatLayer? {
        let name = model.nodes[i].name
        switch model.nodes[i].layer {
        case let l as Linear:
            return StatLayer(node: i, name: name, weight: l.weight, bias: l.bias, conv: nil, activation: activation(model, after: i))
        case let c as Conv2d:
            return StatLayer(node: i, name: name, weight: c.weight, bias: c.bias, conv: c, activation: activation(model, after: i))
        default:
            return nil
        }
    }

    /// Follows a single chain of per-channel norms to a ReLU; anything else means no blind range.
    private static func activation(_ model: Model, after producer: Int) -> Int? {
        var n = producer
        while true {
            let next = model.consumers(of: n)
            guard next.count == 1 else { return nil }
            switch model.nodes[next[0]].layer {
            case is ReLU: return next[0]
            case is BatchNorm, is SigmoidBatchNorm: n = next[0]
            default: return nil
            }
        }
    }
}

/// Keeps, batch by batch, the input and output of the watched nodes as the model computes them
/// (references to the layers' own buffers, valid until the next forward pass).
final class ActivationRecorder: ModelObserver {
    let watched: Set<Int>
    let mode: Mode?
    private(set) var inputs: [Int: Tensor] = [:]
    private(set) var outputs: [Int: Tensor] = [:]

    /// `mode` nil records every pass; otherwise only passes in that mode.
    init(watching nodes: Set<Int>, mode: Mode? = nil) {
        watched = nodes
        self.mode = mode
    }

    func didForward(model: Model, node: Int, inputs ins: [Tensor], output: Tensor, mode m: Mode) {
        guard watched.contains(node), mode == nil || mode == m, let x = ins.first else { return }
        inputs[node] = x
        outputs[node] = output
    }

    /// Attaches to `model` for the duration of `body`, then detaches (also on a throw).
    func attached<T>(to model: Model, _ body: () throws -> T) rethrows -> T {
        model.observers.append(self)
        defer { model.observers.removeAll { $0 === self } }
        return try body()
    }
}

/// The column matrix of one sample of a convolution: [in*k*k, OH*OW], row r = (c*k + ki)*k + kj,
/// the layout of the conv weight's rows, so W [out, in*k*k] x columns = the output [out, OH*OW].
struct ConvColumns {
    let channels: Int, height: Int, width: Int, kernel: Int, stride: Int, padding: Int

    init(_ conv: Conv2d, input: Tensor) {
        channels = conv.inChannels; height = input.shape[2]; width = input.shape[3]
        kernel = conv.kernel; stride = conv.stride; padding = conv.padding
    }

    var outHeight: Int { (height + 2 * padding - kernel) / stride + 1 }
    var outWidth: Int { (width + 2 * padding - kernel) / stride + 1 }
    var rows: Int { channels * kernel * kernel }
    var positions: Int { outHeight * outWidth }

    /// Writes f(x) of every column entry (0 outside the image, where f(0) = 0 for the callers' f).
    func fill(_ x: UnsafePointer<Float>, into col: UnsafeMutablePointer<Float>, _ f: (Float) -> Float) {
        let oh = outHeight, ow = outWidth, k = kernel, s = stride, p = padding
        var dst = col
        for c in 0..<channels {
            let plane = x + c * height * width
            for ki in 0..<k {
                for kj in 0..<k {
                    for y in 0..<oh {
                        let iy = y * s - p + ki
                        if iy < 0 || iy >= height { dst.update(repeating: 0, count: ow); dst += ow; continue }
                        let row = plane + iy * width
                        for xo in 0..<ow {
                            let ix = xo * s - p + kj
                            dst[xo] = ix >= 0 && ix < width ? f(row[ix]) : 0
                        }
                        dst += ow
                    }
                }
            }
        }
    }
}

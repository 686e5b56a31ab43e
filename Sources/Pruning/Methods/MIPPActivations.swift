import Engine

/// How a convolution channel enters MIPP's predictors.
public enum MIPPPooling: String, Sendable, CaseIterable {
    /// The channel's spatial average: one row per sample.
    case avg
    /// The channel's value at a few positions: `sampledPositions` rows per sample, at positions
    /// drawn per sample in relative coordinates, so every layer is read at the same place of the
    /// image and a layer's rows line up with its target's rows. Dense layers repeat their row.
    case sample

    public static let sampledPositions = 4
}

/// Records chosen nodes' outputs during forward passes as matrices [rows, channels]: dense
/// outputs as they are, convolution outputs pooled per channel.
final class MIPPRecorder: ModelObserver {
    let slots: [Int: Int]
    private(set) var matrices: [[Float]]
    private(set) var channels: [Int]
    let rowsPerSample: Int
    let pooling: MIPPPooling
    /// Relative (u, v) positions, `rowsPerSample` pairs per sample.
    private let positions: [Float]
    /// Index of the first sample of the batch being forwarded.
    var sampleOffset = 0

    init(nodes: [Int], shapes: [[Int]], samples: Int, pooling: MIPPPooling, seed: UInt64) {
        var slots = [Int: Int]()
        for (k, n) in nodes.enumerated() { slots[n] = k }
        self.slots = slots
        self.pooling = pooling
        let spatial = nodes.contains { shapes[$0].count == 3 }
        rowsPerSample = pooling == .sample && spatial ? MIPPPooling.sampledPositions : 1
        channels = nodes.map { shapes[$0].first ?? 1 }
        matrices = channels.map { [Float](repeating: 0, count: samples * (pooling == .sample && spatial ? MIPPPooling.sampledPositions : 1) * $0) }
        var rng = RandomStream(seed: seed, stream: "mipp.positions")
        positions = (0..<(samples * rowsPerSample * 2)).map { _ in rng.uniform() }
    }

    func didForward(model: Model, node: Int, inputs: [Tensor], output: Tensor, mode: Mode) {
        guard let slot = slots[node] else { return }
        let batch = output.shape[0], c = channels[slot], per = rowsPerSample
        let plane = output.count / max(batch * c, 1)
        let height = output.rank == 4 ? output.shape[2] : 1, width = output.rank == 4 ? output.shape[3] : 1
        let src = output.data
        matrices[slot].withUnsafeMutableBufferPointer { dst in
            for b in 0..<batch {
                let sample = sampleOffset + b
                for p in 0..<per {
                    let row = (sample * per + p) * c
                    if plane == 1 {
                        for ch in 0..<c { dst[row + ch] = src[b * c + ch] }
                    } else if pooling == .avg {
                        for ch in 0..<c {
                            let base = src + (b * c + ch) * plane
                            var s: Float = 0
                            for k in 0..<plane { s += base[k] }
                            dst[row + ch] = s / Float(plane)
                        }
                    } else {
                        let u = positions[(sample * per + p) * 2], v = positions[(sample * per + p) * 2 + 1]
                        let at = min(Int(u * Float(height)), height - 1) * width + min(Int(v * Float(width)), width - 1)
                        for ch in 0..<c { dst[row + ch] = src[(b * c + ch) * plane + at] }
                    }
                }
            }
        }
    }

    /// Forwards `data` through `model` in eval mode, batch by batch, recording as it goes.
    func record(_ model: Model, _ data: Dataset, batchSize: Int) {
        model.observers.append(self)
        defer { model.observers.removeAll { $0 === self } }
        let size = data.sampleSize
        var start = 0
        while start < data.count {
            let n = min(batchSize, data.count - start)
            let x = Tensor(shape: [n] + data.sampleShape, zeroed: false)
            x.data.update(from: data.samples.data + start * size, count: n * size)
            sampleOffset = start
            _ = model.forward(x, mode: .eval)
            start += n
        }
    }

    func matrix(_ node: Int) -> (values: [Float], columns: Int)? {
        guard let s = slots[node] else { return nil }
        return (matrices[s], channels[s])
    }
}

import Engine
import Foundation

/// Single 3x3 stride-1 "same" convolutions, each kernel prn has for them on the same layer in one
/// run: Winograd F(2x2, 3x3), the direct kernels and im2col + GEMM (`EngineConfiguration`'s
/// `winograd` and `directConvolution`). The shapes are resnet20's three stages and resnet18's
/// 3x3 layers at 56x56 to 7x7, at batch 8 and batch 1 (deployment). At batch 1 a `packed` line
/// times im2col with prn's packed-weight product (`EngineConfiguration.packedGEMM`) where `gemm`
/// multiplies with BLAS; at 7x7, narrower than the direct kernel takes, the `direct` and
/// `winograd` lines run the im2col path too (what prn runs there). Each line times the eval
/// forward (samples/s) and a training step (`train_step_s`: forward, input gradient and weight
/// gradient, each by that configuration's kernel); `gmacs_forward` counts the multiply-adds of the plain convolution (9
/// per output and input channel, whichever kernel ran), so the kernels compare on one scale, and
/// Winograd's lines carry their speed-ups over the direct kernels.
public enum ConvWorkloads {
    /// (channels, height = width, batch)
    static let shapes = [(16, 32, 32), (32, 16, 32), (64, 8, 32), (64, 56, 8), (128, 28, 8), (256, 14, 8),
                         (64, 56, 1), (128, 28, 1), (256, 14, 1), (512, 7, 1)]

    public static func all(threads: Int = Parallel.threads) -> [BenchResult] {
        var out: [BenchResult] = []
        for (c, size, batch) in shapes {
            var rng = RandomStream(seed: 0)
            let conv = Conv2d(c, c, kernel: 3, stride: 1, padding: 1, bias: false)
            conv.initialize(&rng)
            let x = Tensor(shape: [batch, c, size, size])
            for i in 0..<x.count { x[i] = rng.uniform(-1, 1) }
            let dy = Tensor(shape: [batch, c, size, size], repeating: 0.01)
            let macs = Double(batch * c * c * 9 * size * size)
            var direct: (Double, Double) = (0, 0)
            var configs = [("gemm", EngineConfiguration(threads: threads, directConvolution: false, packedGEMM: false)),
                           ("direct", EngineConfiguration(threads: threads, winograd: false)),
                           ("winograd", EngineConfiguration(threads: threads))]
            if batch == 1 { configs.insert(("packed", EngineConfiguration(threads: threads, directConvolution: false)), at: 1) }
            for (name, config) in configs {
                let forward = best { _ = conv.forward([x], mode: .eval, configuration: config) }
                let step = best {
                    _ = conv.forward([x], mode: .train, configuration: config)
                    _ = conv.backward(dy, needInputGrad: [true])
                }
                var extra = ["gmacs_forward": macs / forward / 1e9, "train_step_s": step]
                if name == "direct" { direct = (forward, step) }
                if name == "winograd" { extra["speedup_forward"] = direct.0 / forward; extra["speedup_train_step"] = direct.1 / step }
                out.append(BenchResult("conv3x3-\(c)ch-\(size)x\(size)-b\(batch)-\(name)", samplesPerSecond: Double(batch) / forward,
                                       extra: extra))
            }
        }
        return out
    }

    /// The fastest of five runs, after one to warm caches and size buffers.
    private static func best(_ body: () -> Void) -> Double {
        body()
        return (0..<5).map { _ in timed(body) }.min() ?? 0
    }
}

import Engine
import Foundation

/// Every Linear kernel (dense sgemm, CSR rows, CSR panels) timed on one thread over LeNet-300's
/// layer shapes, random masks of several densities and several batch sizes, next to what
/// `LinearKernelCost` estimates: the data its constants were fitted to, and a check that the
/// kernel it picks is the fastest measured or close to it (`chosen_over_best`, the chosen
/// kernel's time over the fastest one's; 1 is a perfect choice).
public enum SparseKernelSweep {
    public static func linear(shapes: [(Int, Int)] = [(784, 300), (300, 100), (100, 10)],
                              densities: [Double] = [0.02, 0.05, 0.1, 0.2, 0.4, 0.8],
                              batches: [Int] = [1, 4, 16, 256]) -> [BenchResult] {
        var out: [BenchResult] = []
        for (inputs, outputs) in shapes {
            for d in densities {
                let fc = Linear(inputs, outputs)
                var rng = RandomStream(seed: 0, stream: "sparse-kernel-sweep")
                fc.initialize(&rng)
                SparseWorkloads.mask(fc.weight, density: d, &rng)
                let nnz = fc.weight.nonZeroCount
                for batch in batches {
                    let x = SparseWorkloads.randomInput([batch, inputs], &rng)
                    var measured: [LinearKernel: Double] = [:]
                    // Alternating rounds, best of each kernel, so a burst of load on a shared
                    // machine hits every kernel alike.
                    let reps = Swift.max(1, 200_000 / (inputs * outputs * Swift.min(batch, 16) / 16 + 1_000))
                    for _ in 0..<5 {
                        for k in LinearKernel.allCases {
                            let c = EngineConfiguration(threads: 1, sparseInference: SparseInferencePolicy(linearKernels: LinearKernels(k)))
                            let t = SparseInference.withWeightsFixed {
                                _ = fc.forward([x], mode: .eval, configuration: c)
                                return timed { for _ in 0..<reps { _ = fc.forward([x], mode: .eval, configuration: c) } } / Double(reps)
                            }
                            measured[k] = Swift.min(measured[k] ?? .infinity, t)
                        }
                    }
                    let cost = LinearKernelCost(rows: outputs, columns: inputs, nonZeros: nnz, batch: batch)
                    let chosen = cost.choose(from: .all)
                    let best = measured.values.min()!
                    var extra: [String: Double] = ["density": Double(nnz) / Double(inputs * outputs),
                                                   "chosen_over_best": measured[chosen]! / best]
                    for k in LinearKernel.allCases {
                        extra["\(k.rawValue)_us"] = measured[k]! * 1e6
                        extra["\(k.rawValue)_est_us"] = cost.nanoseconds(k) / 1e3
                    }
                    out.append(BenchResult("sparse-linear\(inputs)x\(outputs)-d\(SparseWorkloads.percent(d))-b\(batch)",
                                           samplesPerSecond: Double(batch) / measured[chosen]!, extra: extra))
                }
            }
        }
        return out
    }

    /// The weight fingerprint (`WeightFingerprint`, what a forward outside an evaluation pass pays
    /// before a compressed copy) on one thread, per weight, next to the cost model's constant
    /// (`est_ns_per_weight`): LeNet-300's first layer and two larger weights.
    public static func fingerprint(counts: [Int] = [235_200, 1 << 20, 1 << 22]) -> [BenchResult] {
        counts.map { n in
            let t = Tensor(shape: [n])
            var rng = RandomStream(seed: 0, stream: "fingerprint")
            for i in 0..<n { t[i] = rng.uniform(-1, 1) }
            let reps = Swift.max(1, (1 << 25) / n)
            var best = Double.infinity
            for _ in 0..<5 {
                // The fingerprint is a C call writing through pointers, so it is never optimised away.
                best = Swift.min(best, timed { for _ in 0..<reps { _ = WeightFingerprint(t) } } / Double(reps))
            }
            let estimate = LinearKernelCost(rows: 1, columns: n, nonZeros: n, batch: 1).fingerprintNanoseconds / Double(n)
            return BenchResult("weight-fingerprint-\(n)", samplesPerSecond: 1 / best,
                               extra: ["ns_per_weight": best / Double(n) * 1e9, "est_ns_per_weight": estimate])
        }
    }
}

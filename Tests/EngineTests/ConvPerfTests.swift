import Foundation
import XCTest
@testable import Engine

/// Throughput of a vgg-small-shaped stack (three stages of two 3x3 convs with BN + ReLU, widths
/// 32/64/128, max-pool after each stage, linear 2048->10) on 3x32x32 inputs: a train step
/// (forward, cross-entropy, backward, SGD) at batch 64 and inference at batch 256, with a
/// per-layer time breakdown. Print-only: timings on a shared machine are too noisy to assert.
/// Compare with PyTorch under `env -u OPENBLAS_CORETYPE` (see docs/BENCHMARKS.md).
final class ConvPerfTests: XCTestCase {
    private func vggSmall(width: Int = 32) -> [Layer] {
        var rng = RandomStream(seed: 3)
        var layers: [Layer] = []
        var cin = 3
        for stage in 0..<3 {
            let cout = width << stage
            for _ in 0..<2 {
                let conv = Conv2d(cin, cout, kernel: 3, padding: 1)
                conv.initialize(&rng)
                layers += [conv, BatchNorm(cout), ReLU()]
                cin = cout
            }
            layers.append(MaxPool2d(kernel: 2))
        }
        let fc = Linear(cin * 16, 10)
        fc.initialize(&rng)
        return layers + [Flatten(), fc]
    }

    private func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }

    func testVGGSmallThroughput() {
        let layers = vggSmall()
        let batch = 64, steps = 12
        var rng = RandomStream(seed: 4)
        let x = GradCheck.randomTensor([batch, 3, 32, 32], &rng)
        let labels = (0..<batch).map { Int32($0 % 10) }
        let loss = SoftmaxCrossEntropy()
        var fwd = Array(repeating: 0.0, count: layers.count), bwd = fwd
        var total = 0.0
        for step in 0..<(steps + 2) {
            let t0 = now()
            var h = x
            var times = Array(repeating: 0.0, count: layers.count), btimes = times
            for (i, l) in layers.enumerated() {
                let s = now(); h = l.forward([h], mode: .train); times[i] = now() - s
            }
            labels.withUnsafeBufferPointer { _ = loss(h, labels: $0) }
            guard var g = loss.gradient else { return XCTFail("no loss gradient") }
            for i in stride(from: layers.count - 1, through: 0, by: -1) {
                let s = now()
                guard let d = layers[i].backward(g, needInputGrad: [i > 0])[0] else { btimes[i] = now() - s; break }
                g = d; btimes[i] = now() - s
            }
            for l in layers { for p in l.parameters where p.trainable {
                let v = p.value.data, gr = p.grad.data
                for k in 0..<p.value.count { v[k] -= 0.01 * gr[k]; gr[k] = 0 }
            } }
            if step >= 2 {
                total += now() - t0
                for i in layers.indices { fwd[i] += times[i]; bwd[i] += btimes[i] }
            }
        }
        let perStep = total / Double(steps)
        print(String(format: "vgg-small train batch %d: %.1f samples/s (%.1f ms/step, %d threads, BLAS %@)",
                     batch, Double(batch) / perStep, perStep * 1e3, Parallel.threads, BLAS.backend))
        for (i, l) in layers.enumerated() {
            print(String(format: "  %2d %-10@ fwd %6.2f ms  bwd %6.2f ms", i, l.kind,
                         fwd[i] / Double(steps) * 1e3, bwd[i] / Double(steps) * 1e3))
        }
        XCTAssertTrue(layers.compactMap { $0 as? Conv2d }.allSatisfy { $0.weight.value.allFinite })
    }

    func testVGGSmallInference() {
        for width in [32, 16] {
            let layers = vggSmall(width: width)
            let batch = 256, steps = 6
            var rng = RandomStream(seed: 5)
            let x = GradCheck.randomTensor([batch, 3, 32, 32], &rng)
            var total = 0.0
            var last = x
            for step in 0..<(steps + 1) {
                let t0 = now()
                var h = x
                for l in layers { h = l.forward([h], mode: .eval) }
                last = h
                if step >= 1 { total += now() - t0 }
            }
            print(String(format: "vgg-small width %d inference batch %d: %.1f samples/s",
                         width, batch, Double(batch * steps) / total))
            XCTAssertTrue(last.allFinite)
        }
    }
}

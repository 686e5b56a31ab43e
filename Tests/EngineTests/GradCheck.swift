import XCTest
@testable import Engine

/// Central-difference gradient checks, shared by every layer test.
///
/// The scalar under test is L = sum(forward(x) * probe) with a fixed random probe, so
/// dL/dy = probe and every output element matters.
enum GradCheck {
    static func randomTensor(_ shape: [Int], _ rng: inout RandomStream, scale: Float = 1) -> Tensor {
        let t = Tensor(shape: shape)
        for i in 0..<t.count { t[i] = rng.normal() * scale }
        return t
    }

    /// The largest difference of `a` from `reference`, relative to the reference's largest value:
    /// how a sum over many terms (a weight gradient) is judged, whose elements can cancel to near
    /// zero while the rounding of the terms stays.
    static func errorToScale(_ a: Tensor, _ reference: Tensor) -> Float {
        var scale: Float = .leastNormalMagnitude, worst: Float = 0
        for i in 0..<reference.count { scale = max(scale, abs(reference[i])) }
        for i in 0..<min(a.count, reference.count) { worst = max(worst, abs(a[i] - reference[i])) }
        return worst / scale
    }

    /// Checks input gradients (every input) and parameter gradients of `layer`.
    /// Uses Double accumulation and a relative tolerance suited to Float32 differences.
    static func check(_ layer: Layer, inputs: [Tensor], mode: Mode = .train, eps: Float = 1e-2,
                      tolerance: Float = 2e-2, seed: UInt64 = 1,
                      file: StaticString = #filePath, line: UInt = #line) {
        var rng = RandomStream(seed: seed)
        let y0 = layer.forward(inputs, mode: mode)
        let probe = randomTensor(y0.shape, &rng)
        func loss() -> Double {
            let y = layer.forward(inputs, mode: mode)
            var s = 0.0
            for i in 0..<y.count { s += Double(y[i]) * Double(probe[i]) }
            return s
        }
        for p in layer.parameters { p.zeroGrad() }
        _ = layer.forward(inputs, mode: mode)
        let analytic = layer.backward(probe, needInputGrad: inputs.map { _ in true }).map { $0?.copy() }
        let paramGrads = layer.parameters.filter(\.trainable).map { $0.grad.copy() }

        func compare(_ numeric: Float, _ exact: Float, _ what: String) {
            let scale = max(1, abs(numeric), abs(exact))
            XCTAssertLessThanOrEqual(abs(numeric - exact) / scale, tolerance,
                                     "\(layer.kind) \(what): numeric \(numeric) vs analytic \(exact)",
                                     file: file, line: line)
        }
        for (k, x) in inputs.enumerated() {
            guard let g = analytic[k] else { XCTFail("no gradient for input \(k)", file: file, line: line); continue }
            for i in stride(from: 0, to: x.count, by: max(1, x.count / 40)) {
                let old = x[i]
                x[i] = old + eps; let up = loss()
                x[i] = old - eps; let down = loss()
                x[i] = old
                compare(Float((up - down) / Double(2 * eps)), g[i], "d input\(k)[\(i)]")
            }
        }
        for (p, g) in zip(layer.parameters.filter(\.trainable), paramGrads) {
            for i in stride(from: 0, to: p.value.count, by: max(1, p.value.count / 40)) {
                let old = p.value[i]
                p.value[i] = old + eps; let up = loss()
                p.value[i] = old - eps; let down = loss()
                p.value[i] = old
                compare(Float((up - down) / Double(2 * eps)), g[i], "d \(p.name)[\(i)]")
            }
        }
    }
}

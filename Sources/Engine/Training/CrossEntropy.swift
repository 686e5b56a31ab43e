import Foundation

/// Softmax cross-entropy over logits [B, K] with integer labels, mean over the batch.
/// forward  loss = -1/B sum_b log softmax(z_b)[y_b]   (max-shifted, so finite for any logits)
/// backward dz = (softmax(z) - onehot(y)) / B
public final class SoftmaxCrossEntropy {
    public private(set) var gradient: Tensor?
    public init() {}

    /// Returns the mean loss and the number of correct top-1 predictions; fills `gradient`.
    @discardableResult
    public func callAsFunction(_ logits: Tensor, labels: UnsafeBufferPointer<Int32>,
                               computeGradient: Bool = true) -> (loss: Double, correct: Int) {
        let b = logits.shape[0], k = logits.itemCount
        precondition(labels.count >= b, "cross-entropy: \(labels.count) labels for batch \(b)")
        let g = computeGradient ? Tensor.reuse(&gradient, shape: logits.shape) : nil
        var total = 0.0
        var correct = 0
        let invB = 1 / Float(b)
        for r in 0..<b {
            let z = logits.data + r * k
            var m = z[0], arg = 0
            for j in 1..<k where z[j] > m { m = z[j]; arg = j }
            var s: Float = 0
            for j in 0..<k { s += expf(z[j] - m) }
            let label = Int(labels[r])
            let logSum = logf(s) + m
            total += Double(logSum - z[label])
            // NaN compares false with everything, so the scan above falls back to class 0; a row
            // holding one names no class and counts as wrong.
            if arg == label && !containsNaN(z, k) { correct += 1 }
            if let g {
                let gp = g.data + r * k
                let inv = 1 / s
                for j in 0..<k { gp[j] = expf(z[j] - m) * inv * invB }
                gp[label] -= invB
            }
        }
        return (total / Double(b), correct)
    }
}

@inline(__always) func containsNaN(_ row: UnsafeMutablePointer<Float>, _ count: Int) -> Bool {
    for j in 0..<count where row[j].isNaN { return true }
    return false
}

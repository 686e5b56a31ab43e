import Foundation

public struct Evaluation: Sendable, Codable {
    public var loss: Double
    public var top1: Double
    /// nil when the task has fewer than 10 classes (top-5 would say little).
    public var top5: Double?
    public var count: Int
}

/// Inference over a dataset split in eval mode.
public enum Evaluator {
    public static func evaluate(_ model: Model, on data: Dataset, batchSize: Int = 256,
                                cancellation: CancellationFlag? = nil) throws -> Evaluation {
        // Nothing changes the weights between batches here (see SparseInference).
        try SparseInference.withWeightsFixed {
            try evaluatePass(model, on: data, batchSize: batchSize, cancellation: cancellation)
        }
    }

    private static func evaluatePass(_ model: Model, on data: Dataset, batchSize: Int,
                                     cancellation: CancellationFlag?) throws -> Evaluation {
        let loss = SoftmaxCrossEntropy()
        let batches = try BatchIterator(data, batchSize: batchSize, shuffle: false, borrowSamples: true)
        var lossSum = 0.0, correct = 0, top5 = 0, seen = 0
        let k = model.classes
        while let batch = batches.next() {
            try cancellation?.check("evaluation")
            let logits = model.forward(batch.images, mode: .eval)
            let (l, c) = loss(logits, labels: batch.labels, computeGradient: false)
            lossSum += l * Double(batch.count)
            correct += c
            if k >= 10 {
                for r in 0..<batch.count {
                    let row = logits.data + r * k
                    // A NaN anywhere in the row makes the ranking meaningless (it compares false
                    // both ways), so the sample is a miss, as in top-1.
                    if containsNaN(row, k) { continue }
                    let target = row[Int(batch.labels[r])]
                    var above = 0
                    for j in 0..<k where row[j] > target { above += 1 }
                    if above < 5 { top5 += 1 }
                }
            }
            seen += batch.count
        }
        let n = Double(max(seen, 1))
        return Evaluation(loss: lossSum / n, top1: Double(correct) / n, top5: k >= 10 ? Double(top5) / n : nil, count: seen)
    }
}

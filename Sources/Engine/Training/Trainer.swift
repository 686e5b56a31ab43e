import Foundation

public enum OptimizerKind: String, Sendable, CaseIterable { case sgd, adam, adamw }

public struct TrainOptions: Sendable {
    public var epochs = 10
    public var batchSize = 128
    public var learningRate: Float = 0.1
    public var optimizer: OptimizerKind = .sgd
    public var momentum: Float = 0.9
    public var nesterov = false
    public var weightDecay: Float = 0
    public var schedule: LRSchedule = .constant
    public var warmupEpochs: Double = 0
    /// Random crop with padding and horizontal flip of training images (none by default).
    public var augmentation = Augmentation.none
    public var groups: [String: ParameterGroupRule] = [:]
    public var seed: UInt64 = 0
    /// Distinguishes random streams of separate training commands in one session.
    public var streamName = "train"
    public init() {}
}

/// A term added to the loss while training (receding, L1 on scales, pruning-aware entropy).
/// `apply` adds its gradient to the parameters' `grad` and returns its value.
public protocol TrainingPenalty: AnyObject {
    var name: String { get }
    func apply(to model: Model) -> Double
}

public struct TrainProgress: Sendable {
    public var epoch: Int, epochs: Int, batch: Int, batches: Int
    public var loss: Double, accuracy: Double
    public var elapsed: Double
    /// Estimated seconds left in the whole command.
    public var remaining: Double
}

public struct EpochRecord: Sendable, Codable {
    public var epoch: Int
    public var loss: Double
    public var accuracy: Double
    public var penalty: Double
    public var learningRate: Double
    public var seconds: Double
    /// Batches this record covers, and how many make a whole epoch: fewer only when an
    /// interrupt stopped the epoch, and such a record must never be shown as a full epoch.
    public var batches: Int
    public var batchesPerEpoch: Int
    public var isPartial: Bool { batches < batchesPerEpoch }
}

public struct TrainResult: Sendable {
    /// Every epoch begun, the last one partial when an interrupt stopped it mid-way.
    public var epochs: [EpochRecord] = []
    public var fullEpochs: [EpochRecord] { epochs.filter { !$0.isPartial } }
    /// True when `shouldStop` ended the run at a batch boundary.
    public var interrupted = false
    public var samplesPerSecond: Double = 0
}

/// Loss or weights stopped being finite; the weights of the last finished epoch were restored.
public struct TrainingDiverged: Error, CustomStringConvertible {
    public let epoch: Int, batch: Int
    public let what: String
    public var description: String {
        "training diverged at epoch \(epoch), batch \(batch): \(what); the weights of the last finished epoch were restored (try a lower lr= or add warmup=)"
    }
}

/// Mini-batch training of a model on a dataset split.
public final class Trainer {
    public let model: Model
    public let options: TrainOptions
    public var penalties: [TrainingPenalty] = []
    public var onProgress: ((TrainProgress) -> Void)?
    public var onEpoch: ((EpochRecord) -> Void)?
    /// Checked at every batch boundary; returning true stops with the model as of that batch.
    public var shouldStop: (() -> Bool)?

    public init(model: Model, options: TrainOptions) {
        self.model = model
        self.options = options
    }

    public func makeOptimizer() -> Optimizer {
        let o = options
        switch o.optimizer {
        case .sgd:
            return SGD(learningRate: o.learningRate, momentum: o.momentum, nesterov: o.nesterov,
                       weightDecay: o.weightDecay, groups: o.groups)
        case .adam:
            return Adam(learningRate: o.learningRate, weightDecay: o.weightDecay, groups: o.groups)
        case .adamw:
            return Adam(learningRate: o.learningRate, weightDecay: o.weightDecay, decoupled: true, groups: o.groups)
        }
    }

    public func run(on data: Dataset) throws -> TrainResult {
        let o = options
        let params = model.trainableParameters
        let optimizer = makeOptimizer()
        let loss = SoftmaxCrossEntropy()
        let batches = try BatchIterator(data, batchSize: o.batchSize, shuffle: true,
                                        seed: RandomStream.stableHash(o.streamName) ^ o.seed,
                                        augmentation: o.augmentation)
        let perEpoch = batches.batchCount
        var result = TrainResult()
        var snapshot = WeightSnapshot(model)
        let start = Date()
        var samplesSeen = 0
        model.applyMasks()
        for epoch in 0..<o.epochs {
            let epochStart = Date()
            var lossSum = 0.0, penaltySum = 0.0, correct = 0, seen = 0
            batches.start(epoch: epoch)
            var b = 0
            while let batch = batches.next() {
                if shouldStop?() == true {
                    result.interrupted = true
                    break
                }
                let progress = Double(epoch) + Double(b) / Double(perEpoch)
                optimizer.learningRate = o.schedule.rate(base: o.learningRate, epoch: progress,
                                                         totalEpochs: o.epochs, warmup: o.warmupEpochs)
                model.zeroGrad()
                let logits = model.forward(batch.images, mode: .train)
                let (l, c) = loss(logits, labels: batch.labels)
                guard l.isFinite else {
                    snapshot.restore(into: model)
                    throw TrainingDiverged(epoch: epoch + 1, batch: b + 1, what: "the loss became \(l)")
                }
                model.backward(loss.gradient!)
                var pen = 0.0
                for p in penalties { pen += p.apply(to: model) }
                optimizer.step(params)
                let n = batch.count
                lossSum += l * Double(n); penaltySum += pen * Double(n)
                correct += c; seen += n; samplesSeen += n
                b += 1
                if let report = onProgress {
                    let elapsed = Date().timeIntervalSince(start)
                    let done = Double(epoch * perEpoch + b)
                    let total = Double(o.epochs * perEpoch)
                    report(TrainProgress(epoch: epoch + 1, epochs: o.epochs, batch: b, batches: perEpoch,
                                         loss: lossSum / Double(seen), accuracy: Double(correct) / Double(seen),
                                         elapsed: elapsed, remaining: elapsed / done * (total - done)))
                }
            }
            if seen > 0 {
                let record = EpochRecord(epoch: epoch + 1, loss: lossSum / Double(seen),
                                         accuracy: Double(correct) / Double(seen), penalty: penaltySum / Double(seen),
                                         learningRate: Double(optimizer.learningRate),
                                         seconds: Date().timeIntervalSince(epochStart),
                                         batches: b, batchesPerEpoch: perEpoch)
                result.epochs.append(record)
                onEpoch?(record)
            }
            if result.interrupted { break }
            guard model.parameters.allSatisfy({ $0.value.allFinite }) else {
                snapshot.restore(into: model)
                throw TrainingDiverged(epoch: epoch + 1, batch: b, what: "a weight became NaN or infinite")
            }
            snapshot = WeightSnapshot(model)
        }
        result.samplesPerSecond = Double(samplesSeen) / max(Date().timeIntervalSince(start), 1e-9)
        return result
    }
}

/// A copy of every parameter and buffer value (not optimizer state), to fall back on.
public struct WeightSnapshot {
    private var values: [String: Tensor] = [:]
    public init(_ model: Model) {
        for p in model.parameters { values[p.name] = p.value.copy() }
    }
    public func restore(into model: Model) {
        for p in model.parameters {
            if let v = values[p.name], v.count == p.value.count { p.value.copy(from: v) }
        }
    }
}

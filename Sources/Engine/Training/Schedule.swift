import Foundation

/// Learning rate as a function of training progress, measured in (fractional) epochs.
public enum LRSchedule: Sendable, Equatable {
    case constant
    /// Multiply by `gamma` every `every` epochs.
    case step(every: Int, gamma: Float)
    /// Multiply by `gamma` at each listed epoch.
    case multiStep(milestones: [Int], gamma: Float)
    /// Cosine annealing from the base rate to `minimum` over the run.
    case cosine(minimum: Float)

    /// `warmup` epochs of linear ramp from base/10 precede the schedule when > 0.
    public func rate(base: Float, epoch: Double, totalEpochs: Int, warmup: Double = 0) -> Float {
        if warmup > 0 && epoch < warmup {
            let f = Float(epoch / warmup)
            return base * (0.1 + 0.9 * f)
        }
        switch self {
        case .constant:
            return base
        case let .step(every, gamma):
            return base * Float(Foundation.pow(Double(gamma), floor(epoch / Double(max(every, 1)))))
        case let .multiStep(milestones, gamma):
            let passed = milestones.filter { Double($0) <= epoch }.count
            return base * Float(Foundation.pow(Double(gamma), Double(passed)))
        case let .cosine(minimum):
            let span = max(Double(totalEpochs) - warmup, 1e-9)
            let f = min(max((epoch - warmup) / span, 0), 1)
            return minimum + (base - minimum) * Float(0.5 * (1 + cos(Double.pi * f)))
        }
    }
}

import Engine
import Foundation
import Pruning

/// The models the interoperability tests exchange: zoo networks at small widths, dense, with
/// unstructured masks, and physically channel-pruned, with BatchNorm statistics that are not the
/// defaults (so a wrong running-statistics mapping shows in the logits).
struct ModelCase {
    let label: String
    let zoo: String
    let inputShape: [Int]
    let width: Double
    let norm: NormKind?
    let model: Model
}

enum ModelFixtures {
    static func build(_ zoo: String, _ inputShape: [Int], width: Double = 1, norm: NormKind? = nil,
                      seed: UInt64 = 1) throws -> Model {
        let m = try Zoo.build(zoo, ZooOptions(inputShape: inputShape, classes: 10, norm: norm, width: width, seed: seed))
        var rng = RandomStream(seed: seed, stream: "fixture-stats")
        for p in m.parameters where p.name.hasSuffix("running_mean") || p.name.hasSuffix("running_var") || p.name.hasSuffix(".bias") {
            for i in 0..<p.value.count {
                p.value[i] = p.name.hasSuffix("running_var") ? rng.uniform(0.5, 1.5) : rng.uniform(-0.2, 0.2)
            }
        }
        return m
    }

    static func masked(_ m: Model, ratio: Double) throws -> Model {
        let scores = try MagnitudeScorer().score(m, data: nil, options: ScoreOptions())
        try Pruner.prune(m, scores: scores, request: PruneRequest(amount: .ratio(ratio), scope: .global))
        return m
    }

    static func channelPruned(_ m: Model, ratio: Double) throws -> Model {
        let scores = try MagnitudeScorer().score(m, data: nil, options: ScoreOptions(granularity: .channels))
        try Pruner.prune(m, scores: scores, request: PruneRequest(amount: .ratio(ratio), scope: .global))
        return m
    }

    /// Dense, masked and channel-pruned variants of lenet300, lenet5, vgg-small and resnet20.
    static func all() throws -> [ModelCase] {
        let mnist = [1, 28, 28], cifar = [3, 32, 32]
        func c(_ label: String, _ zoo: String, _ shape: [Int], width: Double = 1, norm: NormKind? = nil,
               _ transform: (Model) throws -> Model = { $0 }) throws -> ModelCase {
            ModelCase(label: label, zoo: zoo, inputShape: shape, width: width, norm: norm,
                      model: try transform(build(zoo, shape, width: width, norm: norm)))
        }
        return [
            try c("lenet300-dense", "lenet300", mnist),
            try c("lenet300-masked90", "lenet300", mnist) { try masked($0, ratio: 0.9) },
            try c("lenet300-bn", "lenet300", mnist, norm: .bn),
            try c("lenet5-dense", "lenet5", mnist),
            try c("lenet5-masked80", "lenet5", mnist) { try masked($0, ratio: 0.8) },
            try c("vggsmall-dense", "vgg-small", cifar, width: 0.25),
            try c("vggsmall-sigmoid", "vgg-small", cifar, width: 0.25, norm: .sigmoid),
            try c("vggsmall-channels50", "vgg-small", cifar, width: 0.25) { try channelPruned($0, ratio: 0.5) },
            try c("resnet20-dense", "resnet20", cifar, width: 0.25),
            try c("resnet20-masked70", "resnet20", cifar, width: 0.25) { try masked($0, ratio: 0.7) },
            try c("resnet20-channels40", "resnet20", cifar, width: 0.5) { try channelPruned($0, ratio: 0.4) },
        ]
    }

    static func input(_ shape: [Int], batch: Int, seed: UInt64 = 7) -> Tensor {
        let t = Tensor(shape: [batch] + shape)
        var rng = RandomStream(seed: seed, stream: "fixture-input")
        for i in 0..<t.count { t[i] = rng.normal() }
        return t
    }

    static func logits(_ m: Model, _ x: Tensor) -> [Float] { m.forward(x, mode: .eval).array }
}

import Engine
import Language
import Pruning

/// Words shared by several verb signatures, with the help text completion and `:help` show.
enum Vocabulary {
    static let datasets: [Choice] = [
        Choice("mnist", "handwritten digits, 28x28 grey, 10 classes (IDX files)"),
        Choice("fashion-mnist", "clothing images, 28x28 grey, 10 classes (Debian: dataset-fashion-mnist)"),
        Choice("cifar10", "32x32 colour images, 10 classes (binary version)"),
        Choice("cifar100", "32x32 colour images, 100 classes (binary version)"),
        Choice("synthetic", "seeded Gaussian clusters, for tests and demonstrations"),
    ]
    static let models: [Choice] = Zoo.names.map { Choice($0, Zoo.summaries[$0] ?? "") }
    static func normHelp(_ norm: NormKind) -> String {
        switch norm {
        case .bn: return "batch normalisation"
        case .sigmoid: return "sigmoid batch normalisation, scale sigma(theta), no shift (receding importances)"
        case .none: return "no normalisation layers"
        }
    }
    /// The scoring methods' words, from the method catalog.
    static let methods: [Choice] = MethodCatalog.scoring.map { Choice($0.name, $0.help) }
    static func granularityHelp(_ granularity: Granularity) -> String {
        switch granularity {
        case .weights: return "unstructured: individual weights, masked"
        case .neurons: return "dense units, removed physically"
        case .channels: return "convolution filters, removed physically"
        }
    }
    static func scopeHelp(_ scope: PruneScope) -> String {
        switch scope {
        case .global: return "one threshold across all layers"
        case .local: return "the same fraction in every layer, ranked within the layer"
        case .uniform: return "the same fraction in every layer, ranked by L1 magnitude"
        }
    }

    static func choice(_ list: [Choice]) -> ValueType { .choice(list) }
    static let positiveInt = ValueType.integer(min: 1, max: nil)
    static let nonNegative = ValueType.number(min: Bound(0), max: nil)
    static let positive = ValueType.number(min: Bound(0, inclusive: false), max: nil)
}

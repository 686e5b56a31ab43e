@testable import Engine

/// Batch norms of a model far from their identity start, for tests whose outputs should not be
/// a near-copy of the layer before each norm.
enum BatchNormFixtures {
    /// Running statistics and affine parameters of every BatchNorm: means and shifts in
    /// [-0.5, 0.5), variances in [0.2, 1.2), scales in [0.5, 1.5).
    static func randomize(_ model: Model, _ rng: inout RandomStream) {
        for node in model.nodes {
            guard let bn = node.layer as? BatchNorm else { continue }
            for c in 0..<bn.channels {
                bn.runningMean.value.data[c] = rng.uniform() - 0.5
                bn.runningVar.value.data[c] = 0.2 + rng.uniform()
                bn.weight.value.data[c] = 0.5 + rng.uniform()
                bn.bias.value.data[c] = rng.uniform() - 0.5
            }
        }
    }
}

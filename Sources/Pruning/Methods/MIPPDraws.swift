import Engine

/// The samples of MIPP's repeated estimates. Each repeat draws its own `count` samples from the
/// whole training split (a seeded stream per repeat) and holds a fifth of them out; the
/// activations are recorded once for the union of the draws. Folds of one sample would share
/// three quarters of their training rows, so their estimates would not be independent and the
/// t-test over them would be over-confident. When `count` is the whole split (`samples=all`) the
/// draws coincide and the repeats fall back to disjoint folds of that one sample (five per
/// shuffle), the most independent estimates one sample allows.
public struct MIPPDraws: Equatable, Sendable {
    /// Indices into the training split, ascending: the samples whose activations are recorded.
    public let union: [Int]
    /// Per repeat, its samples as positions in `union`.
    public let positions: [[Int]]
    /// Every repeat drew the same samples (the whole split).
    public let coincide: Bool

    public init(available: Int, count: Int, repeats: Int, seed: UInt64) {
        let count = Swift.min(count, available)
        var draws = [[Int]]()
        for r in 0..<repeats {
            var rng = RandomStream(seed: seed, stream: "mipp.draw.\(r)")
            draws.append(count == available ? Array(0..<available) : Array(rng.permutation(available).prefix(count)).sorted())
        }
        union = Array(Set(draws.joined())).sorted()
        var position = [Int: Int](minimumCapacity: union.count)
        for (k, i) in union.enumerated() { position[i] = k }
        positions = draws.map { $0.compactMap { position[$0] } }
        coincide = count == available
    }

    /// Repeat `r`'s samples split into training and held-out parts: a seeded fifth of its own
    /// draw, or fold `r % 5` of a shared shuffle when the draws coincide.
    public func split(repeat r: Int, seed: UInt64) -> (train: [Int], validation: [Int]) {
        let samples = positions[r]
        guard coincide else { return Self.split(samples, repeat: r, seed: seed) }
        let folds = 5
        var rng = RandomStream(seed: seed, stream: "mipp.folds.\(r / folds)")
        let order = rng.permutation(samples.count)
        let f = r % folds
        var held = [Bool](repeating: false, count: samples.count)
        for k in order[(f * samples.count / folds)..<((f + 1) * samples.count / folds)] { held[k] = true }
        return (samples.indices.filter { !held[$0] }.map { samples[$0] }, samples.indices.filter { held[$0] }.map { samples[$0] })
    }

    /// A seeded fifth of `samples` held out, the rest for training.
    public static func split(_ samples: [Int], repeat r: Int, seed: UInt64) -> (train: [Int], validation: [Int]) {
        var rng = RandomStream(seed: seed, stream: "mipp.validation.\(r)")
        let order = rng.permutation(samples.count)
        let held = Swift.max(1, samples.count / 5)
        let validation = order.prefix(held).map { samples[$0] }.sorted()
        let train = order.dropFirst(held).map { samples[$0] }.sorted()
        return (train, validation)
    }
}

import Engine

/// The samples of MIPP's repeated estimates. Each repeat draws its own `count` samples from the
/// whole training split (a seeded stream per repeat) and holds a fifth of them out; the
/// activations are recorded once for the union of the draws. Folds of one sample would share
/// three quarters of their training rows, so their estimates would not be independent and the
/// t-test over them would be over-confident. When `count` is the whole split (`samples=all`) the
/// draws coincide and the repeats differ only in their held-out fifth.
struct MIPPDraws: Equatable {
    /// Indices into the training split, ascending: the samples whose activations are recorded.
    let union: [Int]
    /// Per repeat, its samples as positions in `union`.
    let positions: [[Int]]

    init(available: Int, count: Int, repeats: Int, seed: UInt64) {
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
    }

    /// Repeat `r`'s own samples split into training and held-out parts (a seeded fifth held out).
    static func split(_ samples: [Int], repeat r: Int, seed: UInt64) -> (train: [Int], validation: [Int]) {
        var rng = RandomStream(seed: seed, stream: "mipp.validation.\(r)")
        let order = rng.permutation(samples.count)
        let held = Swift.max(1, samples.count / 5)
        let validation = order.prefix(held).map { samples[$0] }.sorted()
        let train = order.dropFirst(held).map { samples[$0] }.sorted()
        return (train, validation)
    }
}

import CKernels
import Engine

/// Streams, for every unit of a layer's input, the per-class count, sum and sum of squares of
/// the unit's value, plus the pooled sum and sum of squares of its raw entries.
///
/// The input of each sample is read as [units, block]: a unit's value is the mean of its block
/// (block 1: a dense input feature; H*W: a conv channel, spatially averaged; a flatten's
/// columns of one channel). Values are stored relative to a per-unit reference (the first sample's
/// value), which leaves every statistic unchanged and keeps sums of squares from cancelling for
/// units with a large mean and a small spread.
public final class ScreeningAccumulator {
    public let units: Int
    public let classes: Int
    private(set) var counts: [Int]
    private(set) var sums: [Double]        // [classes, units]
    private(set) var squares: [Double]     // [classes, units]
    private var reference: [Float]?
    private var entryReference: [Float]?
    private var entrySum: [Double]
    private var entrySquares: [Double]
    private(set) var entries = 0           // raw entries per unit seen

    public init(units: Int, classes: Int) {
        self.units = units
        self.classes = classes
        counts = Array(repeating: 0, count: classes)
        sums = Array(repeating: 0, count: classes * units)
        squares = sums
        entrySum = Array(repeating: 0, count: units)
        entrySquares = entrySum
    }

    /// Adds a batch: `x` holds `labels.count` samples of units*block values each.
    public func add(_ x: Tensor, labels: UnsafeBufferPointer<Int32>) throws {
        let n = labels.count, item = x.count / max(n, 1), block = item / max(units, 1)
        guard block * units == item, block > 0 else {
            throw PruningError(.needsData, "screening: a sample of \(item) values does not split into \(units) units")
        }
        if entryReference == nil {
            entryReference = (0..<units).map { x.data[$0 * block] }
        }
        guard let eref = entryReference else { return }
        let inv = 1 / Float(block)
        if reference == nil {
            // The first sample's unit values, computed exactly as below, so a constant unit adds 0s.
            reference = (0..<units).map { u in
                var acc: Float = 0
                for i in 0..<block { acc += x.data[u * block + i] - eref[u] }
                return acc * inv + eref[u]
            }
        }
        guard let ref = reference else { return }
        if block == 1 {
            try addDense(x, labels: labels, entryReference: eref, reference: ref)
            return
        }
        for s in 0..<n {
            let label = Int(labels[s])
            guard label >= 0, label < classes else {
                throw PruningError(.needsData, "screening: label \(label) lies outside the \(classes) classes of the dataset")
            }
            counts[label] += 1
            let sample = x.data + s * item
            sums.withUnsafeMutableBufferPointer { sp in
                squares.withUnsafeMutableBufferPointer { qp in
                    entrySum.withUnsafeMutableBufferPointer { ep in
                        entrySquares.withUnsafeMutableBufferPointer { eq in
                            let row = label * units
                            for u in 0..<units {
                                let p = sample + u * block, e0 = eref[u]
                                var acc: Float = 0, accSq: Float = 0
                                for i in 0..<block { let d = p[i] - e0; acc += d; accSq += d * d }
                                ep[u] += Double(acc); eq[u] += Double(accSq)
                                let v = Double(acc * inv + e0 - ref[u])
                                sp[row + u] += v
                                qp[row + u] += v * v
                            }
                        }
                    }
                }
            }
        }
        entries += n * block
    }

    /// Dense inputs (one value per unit): the same sums as the general path, by a vectorised
    /// kernel (CKernels) with the units split across threads.
    private func addDense(_ x: Tensor, labels: UnsafeBufferPointer<Int32>, entryReference eref: [Float],
                          reference ref: [Float]) throws {
        let n = labels.count, units = self.units
        for s in 0..<n {
            let label = Int(labels[s])
            guard label >= 0, label < classes else {
                throw PruningError(.needsData, "screening: label \(label) lies outside the \(classes) classes of the dataset")
            }
        }
        guard n > 0, let labelBase = labels.baseAddress else { return }
        for s in 0..<n { counts[Int(labels[s])] += 1 }
        let xp = UnsafePointer(x.data)
        eref.withUnsafeBufferPointer { er in ref.withUnsafeBufferPointer { rf in
            sums.withUnsafeMutableBufferPointer { sp in squares.withUnsafeMutableBufferPointer { qp in
                entrySum.withUnsafeMutableBufferPointer { ep in entrySquares.withUnsafeMutableBufferPointer { eq in
                    let pointers = UncheckedBox((er.baseAddress!, rf.baseAddress!, sp.baseAddress!, qp.baseAddress!,
                                                 ep.baseAddress!, eq.baseAddress!))
                    Parallel.chunks(units, minPerThread: 128) { r in
                        let (e, f, sm, sq, es, eq2) = pointers.value
                        prn_screening_add_dense(xp, labelBase, n, units, r.lowerBound, r.upperBound, e, f, es, eq2, sm, sq)
                    }
                } }
            } }
        } }
        entries += n
    }

    /// One-way ANOVA F per unit over the classes present. Constant units, a single class present
    /// or no samples give 0; zero within-class spread gives a large finite value.
    public func fStatistics() -> [Double] {
        ScreeningStatistics.fStatistics(counts: counts, sums: sums, squares: squares, units: units)
    }

    /// Standard deviation of each unit's raw entries (every pixel of a channel) over all samples.
    public func entrySpread() -> [Double] {
        let n = Double(max(entries, 1))
        return (0..<units).map { u in
            let m = entrySum[u] / n
            return max(entrySquares[u] / n - m * m, 0).squareRoot()
        }
    }
}

/// The F-statistic from streamed per-class moments (also used by the tests' comparisons).
enum ScreeningStatistics {
    /// Relative floor under the within-class mean square: keeps F finite when every class is
    /// constant but classes differ.
    static let relativeEpsilon = 1e-9

    static func fStatistics(counts: [Int], sums: [Double], squares: [Double], units: Int) -> [Double] {
        let present = counts.indices.filter { counts[$0] > 0 }
        let n = present.reduce(0) { $0 + counts[$1] }
        let k = present.count
        guard k >= 2 else { return Array(repeating: 0, count: units) }
        return (0..<units).map { u in
            var total: Double = 0, totalSquares: Double = 0
            for c in present { total += sums[c * units + u]; totalSquares += squares[c * units + u] }
            let mean = total / Double(n)
            var between: Double = 0, within: Double = 0
            for c in present {
                let nc = Double(counts[c]), s = sums[c * units + u]
                let mc = s / nc
                between += nc * (mc - mean) * (mc - mean)
                within += max(squares[c * units + u] - s * mc, 0)
            }
            let totalSpread = max(totalSquares - total * mean, 0)
            // Constant unit (to rounding): no evidence either way.
            let scale = totalSquares / Double(n)
            guard totalSpread > 1e-12 * max(scale, 1e-300) * Double(n), between > 0 else { return 0 }
            let msb = between / Double(k - 1)
            let msw = within / Double(max(n - k, 1))
            let floor = relativeEpsilon * totalSpread / Double(max(n - 1, 1)) + 1e-300
            return msb / (msw + floor)
        }
    }
}

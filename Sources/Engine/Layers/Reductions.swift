/// Vectorised float reductions for the layers' per-channel loops. Swift keeps a scalar
/// `s += p[i]` loop sequential (it may not reorder float adds), which makes it latency-bound;
/// four SIMD8 accumulators let the adds pipeline. Summation order is fixed, so results are
/// reproducible.
enum Reductions {
    /// sum p[i]
    @inline(__always)
    static func sum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var a0 = SIMD8<Float>(), a1 = a0, a2 = a0, a3 = a0
        var i = 0
        while i + 32 <= n {
            a0 += load(p + i); a1 += load(p + i + 8); a2 += load(p + i + 16); a3 += load(p + i + 24)
            i += 32
        }
        while i + 8 <= n { a0 += load(p + i); i += 8 }
        var s = ((a0 + a1) + (a2 + a3)).sum()
        while i < n { s += p[i]; i += 1 }
        return s
    }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }
}

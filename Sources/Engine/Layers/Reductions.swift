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

    /// sum (p[i] - c)^2
    @inline(__always)
    static func sumSquaredDeviation(_ p: UnsafePointer<Float>, _ n: Int, from c: Float) -> Float {
        let cv = SIMD8<Float>(repeating: c)
        var a0 = SIMD8<Float>(), a1 = a0
        var i = 0
        while i + 16 <= n {
            let d0 = load(p + i) - cv, d1 = load(p + i + 8) - cv
            a0 += d0 * d0; a1 += d1 * d1
            i += 16
        }
        while i + 8 <= n { let d = load(p + i) - cv; a0 += d * d; i += 8 }
        var s = (a0 + a1).sum()
        while i < n { let d = p[i] - c; s += d * d; i += 1 }
        return s
    }

    /// (sum g[i], sum g[i] * (x[i] - c))
    @inline(__always)
    static func sumAndCenteredDot(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int,
                                  center c: Float) -> (Float, Float) {
        let cv = SIMD8<Float>(repeating: c)
        var s0 = SIMD8<Float>(), s1 = s0, d0 = s0, d1 = s0
        var i = 0
        while i + 16 <= n {
            let g0 = load(g + i), g1 = load(g + i + 8)
            s0 += g0; s1 += g1
            d0 += g0 * (load(x + i) - cv); d1 += g1 * (load(x + i + 8) - cv)
            i += 16
        }
        while i + 8 <= n { let gv = load(g + i); s0 += gv; d0 += gv * (load(x + i) - cv); i += 8 }
        var s = (s0 + s1).sum(), d = (d0 + d1).sum()
        while i < n { s += g[i]; d += g[i] * (x[i] - c); i += 1 }
        return (s, d)
    }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }
}

import Foundation

/// The one-sided Student t-test MIPP keeps a node by: the node carries information when the mean
/// of its repeated loss increases exceeds `margin` with the requested confidence.
public enum MIPPTTest {
    /// Whether `samples` (at least 2) show a mean above `margin` at `confidence` (0 < c < 1).
    /// Zero spread decides by the mean alone (repeats that agree exactly are certain).
    public static func exceeds(_ samples: [Double], margin: Double, confidence: Double) -> Bool {
        let n = samples.count
        precondition(n >= 2, "a t-test needs at least two estimates")
        let mean = samples.reduce(0, +) / Double(n)
        let variance = samples.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
        let spread = variance.squareRoot()
        guard spread > 1e-14 * max(1, abs(mean)) else { return mean > margin }
        let t = (mean - margin) / (spread / Double(n).squareRoot())
        return StudentT.cdf(t, degreesOfFreedom: Double(n - 1)) > confidence
    }
}

/// The Student t distribution through the regularized incomplete beta function.
public enum StudentT {
    /// P(T <= t) for `degreesOfFreedom` > 0.
    public static func cdf(_ t: Double, degreesOfFreedom v: Double) -> Double {
        guard t.isFinite else { return t > 0 ? 1 : 0 }
        let x = v / (v + t * t)
        let tail = 0.5 * IncompleteBeta.regularized(x, a: v / 2, b: 0.5)
        return t > 0 ? 1 - tail : tail
    }

    /// The t with P(T <= t) = p, by bisection on the CDF (monotone; 200 halvings reach full precision).
    public static func quantile(_ p: Double, degreesOfFreedom v: Double) -> Double {
        precondition(p > 0 && p < 1, "quantile needs 0 < p < 1")
        var lo = -1e6, hi = 1e6
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if cdf(mid, degreesOfFreedom: v) < p { lo = mid } else { hi = mid }
        }
        return (lo + hi) / 2
    }
}

/// I_x(a, b) by Lentz's continued fraction (the standard evaluation; converges for all x in [0, 1]
/// after the symmetry swap).
enum IncompleteBeta {
    static func regularized(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logGammas: Double = lgamma(a + b) - lgamma(a) - lgamma(b)
        let logPowers: Double = a * log(x) + b * log(1 - x)
        let logFront = logGammas + logPowers
        if x < (a + 1) / (a + b + 2) { return exp(logFront) * fraction(x, a, b) / a }
        return 1 - exp(logFront) * fraction(1 - x, b, a) / b
    }

    private static func fraction(_ x: Double, _ a: Double, _ b: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0, d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...300 {
            let m = Double(m), m2 = 2 * m
            var aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d; h *= d * c
            aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let step = d * c
            h *= step
            if abs(step - 1) < 1e-15 { break }
        }
        return h
    }
}

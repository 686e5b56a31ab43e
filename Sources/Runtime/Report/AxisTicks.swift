import Foundation

/// An axis: a data range mapped to pixels, with readable ticks (1, 2, 5 x 10^k on linear axes,
/// powers of ten on log axes) and labels in the axis's unit.
struct Axis {
    enum Scale { case linear, log }
    enum Units { case plain, percent, si }

    var lo: Double
    var hi: Double
    var scale: Scale
    var units: Units
    /// Pixel positions of lo and hi.
    var from: Double
    var to: Double

    /// A range that covers `values` with a small margin; log axes need positive values.
    init(covering values: [Double], scale: Scale, units: Units, from: Double, to: Double,
         includeZero: Bool = false, clamp: ClosedRange<Double>? = nil, exact: Bool = false) {
        var vs = values.filter(\.isFinite)
        if scale == .log { vs = vs.filter { $0 > 0 } }
        var lo = vs.min() ?? 0, hi = vs.max() ?? 1
        if includeZero && scale == .linear { lo = min(lo, 0) }
        if scale == .log {
            if vs.isEmpty { lo = 1; hi = 10 }
            lo = pow(10, floor(log10(lo))); hi = pow(10, ceil(log10(hi)))
            if hi <= lo { hi = lo * 10 }
        } else if exact && hi - lo > 1e-12 {
            // Bins of a histogram fill the axis: no margin, ticks fall inside.
        } else {
            if hi - lo < 1e-12 { lo -= 0.5 * max(abs(lo), 1e-3); hi += 0.5 * max(abs(hi), 1e-3) }
            let pad = (hi - lo) * 0.05
            lo -= includeZero && lo == 0 ? 0 : pad
            hi += pad
            let step = Self.niceStep((hi - lo) / 5)
            lo = floor(lo / step) * step
            hi = ceil(hi / step) * step
            if let c = clamp { lo = max(lo, c.lowerBound); hi = min(hi, c.upperBound) }
        }
        self.lo = lo; self.hi = hi; self.scale = scale; self.units = units; self.from = from; self.to = to
    }

    func position(_ v: Double) -> Double {
        let t: Double
        switch scale {
        case .linear: t = (v - lo) / (hi - lo)
        case .log: t = (log10(max(v, 1e-300)) - log10(lo)) / (log10(hi) - log10(lo))
        }
        return from + (to - from) * t
    }

    var ticks: [Double] {
        switch scale {
        case .log:
            let a = Int(log10(lo).rounded()), b = Int(log10(hi).rounded())
            let stride = max(1, (b - a + 5) / 6)
            return Swift.stride(from: a, through: b, by: stride).map { pow(10, Double($0)) }
        case .linear:
            let step = Self.niceStep((hi - lo) / 5)
            var t: [Double] = []
            var v = ceil(lo / step - 1e-9) * step
            while v <= hi + step * 1e-9 && t.count < 50 {
                t.append(abs(v) < step * 1e-9 ? 0 : v)
                v += step
            }
            return t
        }
    }

    func label(_ v: Double) -> String {
        switch units {
        case .percent:
            let step = scale == .linear ? Self.niceStep((hi - lo) / 5) * 100 : 1
            return String(format: step < 1 ? "%.1f" : "%.0f", v * 100)
        case .si: return AxisTicks.si(v)
        case .plain:
            if scale == .log { return AxisTicks.power(v) }
            let step = Self.niceStep((hi - lo) / 5)
            let decimals = max(0, min(6, Int(ceil(-log10(step)))))
            return String(format: "%.\(decimals)f", v)
        }
    }

    /// The nearest of 1, 2, 5 x 10^k at or above `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let p = pow(10, floor(log10(raw)))
        for m in [1.0, 2, 5, 10] where raw <= m * p * (1 + 1e-9) { return m * p }
        return 10 * p
    }
}

enum AxisTicks {
    /// 1234 -> "1.2K", 2.5e6 -> "2.5M": FLOPs and parameter counts.
    static func si(_ x: Double) -> String {
        let a = abs(x)
        let (d, s): (Double, String) = a >= 1e9 ? (1e9, "G") : a >= 1e6 ? (1e6, "M") : a >= 1e3 ? (1e3, "K") : (1, "")
        let v = x / d
        if v == v.rounded() { return String(format: "%.0f%@", v, s) }
        return String(format: "%.3g%@", v, s)
    }

    /// Powers of ten as "1e-3", "0.01", "1", "100".
    static func power(_ v: Double) -> String {
        let e = Int(log10(v).rounded())
        if e >= -2 && e <= 3 { return String(format: e < 0 ? "%.\(-e)f" : "%.0f", v) }
        return "1e\(e)"
    }
}

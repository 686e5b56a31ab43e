import Foundation

/// An entry of a chart's legend: a coloured line (solid or dashed), a marker or a swatch.
struct LegendEntry {
    enum Style { case line(dash: String?), bar }
    var label: String
    var colour: String
    var style: Style
}

/// Frame, grid, ticks, axis labels, title and legend shared by every chart.
struct ChartFrame {
    var title: String
    var subtitle: String?
    var xLabel: String
    var yLabel: String
    var width = 800.0
    var height = 470.0
    var left = 78.0, top = 58.0, legendWidth = 215.0, bottomSpace = 62.0

    var plotLeft: Double { left }
    var plotRight: Double { width - legendWidth - (legendWidth > 0 ? 20 : 14) }
    var plotTop: Double { top }
    var plotBottom: Double { height - bottomSpace }

    /// Draws everything but the data; category labels replace numeric x ticks when given.
    func draw(_ c: inout SVGCanvas, x: Axis?, y: Axis, categories: [(String, Double)] = [], legend: [LegendEntry]) {
        c.text(title, width / 2, 24, size: SVGCanvas.fittedSize(title, width: width, preferred: 16, minimum: 9), anchor: .middle,
               weight: "bold", cls: "title")
        if let subtitle {
            c.text(subtitle, width / 2, 42, size: SVGCanvas.fittedSize(subtitle, width: width, preferred: 11, minimum: 7),
                   anchor: .middle, cls: "subtitle", fill: "#555")
        }
        c.rect(plotLeft, plotTop, plotRight - plotLeft, plotBottom - plotTop, fill: "#fafafa", stroke: "#cccccc")
        for t in y.ticks {
            let py = y.position(t)
            c.line(plotLeft, py, plotRight, py, stroke: "#e3e3e3", cls: "grid")
            c.line(plotLeft - 5, py, plotLeft, py, stroke: "#333", cls: "tick")
            c.text(y.label(t), plotLeft - 8, py + 4, size: 11, anchor: .end, cls: "tick-label")
        }
        if let x {
            for t in x.ticks {
                let px = x.position(t)
                c.line(px, plotTop, px, plotBottom, stroke: "#e3e3e3", cls: "grid")
                c.line(px, plotBottom, px, plotBottom + 5, stroke: "#333", cls: "tick")
                c.text(x.label(t), px, plotBottom + 18, size: 11, anchor: .middle, cls: "tick-label")
            }
        }
        let rotate = categories.count > 6 || categories.contains { $0.0.count > 8 }
        for (name, px) in categories {
            c.line(px, plotBottom, px, plotBottom + 5, stroke: "#333", cls: "tick")
            if rotate {
                c.text(name, px + 3, plotBottom + 14, size: 10, anchor: .end, rotate: -30, cls: "tick-label")
            } else {
                c.text(name, px, plotBottom + 18, size: 11, anchor: .middle, cls: "tick-label")
            }
        }
        c.line(plotLeft, plotBottom, plotRight, plotBottom, stroke: "#333", width: 1.2, cls: "axis x-axis")
        c.line(plotLeft, plotTop, plotLeft, plotBottom, stroke: "#333", width: 1.2, cls: "axis y-axis")
        c.text(xLabel, (plotLeft + plotRight) / 2, height - 14, size: 13, anchor: .middle, cls: "axis-label")
        c.text(yLabel, 20, (plotTop + plotBottom) / 2, size: 13, anchor: .middle, rotate: -90, cls: "axis-label")
        drawLegend(&c, legend)
    }

    func drawLegend(_ c: inout SVGCanvas, _ entries: [LegendEntry]) {
        guard !entries.isEmpty else { return }
        let x = plotRight + 18, y0 = plotTop
        c.raw("<g class=\"legend\">")
        c.rect(x - 8, y0 - 4, legendWidth - 6, Double(entries.count) * 20 + 12, fill: "#ffffff", stroke: "#cccccc")
        for (i, e) in entries.enumerated() {
            let y = y0 + 12 + Double(i) * 20
            switch e.style {
            case .line(let dash): c.line(x, y - 4, x + 26, y - 4, stroke: e.colour, width: 2.5, dash: dash)
            case .bar: c.rect(x + 4, y - 11, 16, 12, fill: e.colour)
            }
            c.text(e.label, x + 34, y, size: 11, cls: "legend-label")
        }
        c.raw("</g>")
    }
}

struct LinePoint {
    var x: Double
    var y: Double
    var spread: Double = 0
    var note: String = ""
}

struct LineSeries {
    var name: String
    var colour: String
    var dash: String?
    var points: [LinePoint]
}

/// Curves with markers and error bars (± one standard deviation over seeds), and horizontal
/// reference lines such as the dense model's accuracy.
struct LineChart {
    var frame: ChartFrame
    var xScale: Axis.Scale
    var xUnits: Axis.Units
    var yUnits: Axis.Units
    var series: [LineSeries]
    var references: [(label: String, y: Double)] = []
    var legend: [LegendEntry]

    func render() -> SVGCanvas {
        var c = SVGCanvas(width: frame.width, height: frame.height)
        let xs = series.flatMap { $0.points.map(\.x) }
        let ys = series.flatMap { $0.points.flatMap { [$0.y - $0.spread, $0.y + $0.spread] } } + references.map(\.y)
        let x = Axis(covering: xs, scale: xScale, units: xUnits, from: frame.plotLeft + 8, to: frame.plotRight - 8,
                     clamp: xUnits == .percent ? 0...1 : nil)
        let y = Axis(covering: ys, scale: .linear, units: yUnits, from: frame.plotBottom, to: frame.plotTop,
                     clamp: yUnits == .percent ? 0...1 : nil)
        frame.draw(&c, x: x, y: y, legend: legend)
        for r in references {
            let py = y.position(r.y)
            c.line(frame.plotLeft, py, frame.plotRight, py, stroke: "#555", width: 1.2, dash: "2,3", cls: "reference")
        }
        for s in series {
            let pts = s.points.filter { $0.x.isFinite && $0.y.isFinite && (xScale == .linear || $0.x > 0) }.sorted { $0.x < $1.x }
            c.raw("<g class=\"series\" data-name=\"\(SVGCanvas.escape(s.name))\">")
            c.polyline(pts.map { (x.position($0.x), y.position($0.y)) }, stroke: s.colour, width: 2, dash: s.dash)
            for p in pts {
                let px = x.position(p.x), py = y.position(p.y)
                if p.spread > 0 {
                    let a = y.position(p.y - p.spread), b = y.position(p.y + p.spread)
                    c.line(px, a, px, b, stroke: s.colour, width: 1.2)
                    c.line(px - 3, a, px + 3, a, stroke: s.colour, width: 1.2)
                    c.line(px - 3, b, px + 3, b, stroke: s.colour, width: 1.2)
                }
                c.circle(px, py, r: 3.2, fill: s.dash == nil ? s.colour : "#ffffff", stroke: s.colour,
                         title: "\(s.name): \(p.note)")
            }
            c.raw("</g>")
        }
        return c
    }
}

/// Grouped bars: one group per category (layer), one bar per series (method).
struct BarChart {
    var frame: ChartFrame
    var categories: [String]
    var series: [(name: String, colour: String, values: [Double])]
    var yUnits: Axis.Units
    var legend: [LegendEntry]

    func render() -> SVGCanvas {
        var c = SVGCanvas(width: frame.width, height: frame.height)
        let values = series.flatMap(\.values) + [0]
        let y = Axis(covering: values, scale: .linear, units: yUnits, from: frame.plotBottom, to: frame.plotTop,
                     includeZero: true, clamp: yUnits == .percent ? 0...1 : nil)
        let groupWidth = (frame.plotRight - frame.plotLeft) / Double(max(categories.count, 1))
        let barWidth = groupWidth * 0.8 / Double(max(series.count, 1))
        let centres = categories.indices.map { frame.plotLeft + groupWidth * (Double($0) + 0.5) }
        frame.draw(&c, x: nil, y: y, categories: Array(zip(categories, centres)), legend: legend)
        for (si, s) in series.enumerated() {
            c.raw("<g class=\"series\" data-name=\"\(SVGCanvas.escape(s.name))\">")
            for (ci, v) in s.values.enumerated() where ci < categories.count && v.isFinite {
                let x0 = centres[ci] - groupWidth * 0.4 + barWidth * Double(si)
                let top = y.position(v), base = y.position(max(y.lo, 0))
                c.rect(x0, top, barWidth * 0.92, base - top, fill: s.colour,
                       title: "\(s.name), \(categories[ci]): \(y.label(v))\(yUnits == .percent ? "%" : "")")
            }
            c.raw("</g>")
        }
        return c
    }
}

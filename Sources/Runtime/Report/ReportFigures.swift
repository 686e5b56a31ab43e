import Foundation

/// The four plots a pruning comparison needs, built from a summary. Each returns one figure per
/// experiment; an SVG file stacks them.
public enum ReportPlot: String, CaseIterable, Sendable {
    case accuracy, flops, widths, scores

    public var help: String {
        switch self {
        case .accuracy: return "accuracy against the fraction of parameters removed"
        case .flops: return "accuracy against effective FLOPs per sample"
        case .widths: return "per-layer widths (or surviving weights) after pruning"
        case .scores: return "histograms of the importance scores of each method"
        }
    }
}

enum ReportFigures {
    static func figures(_ plot: ReportPlot, _ s: ReportSummary, ratio: Double? = nil) -> [SVGCanvas] {
        s.experiments.compactMap { e in
            switch plot {
            case .accuracy: return accuracy(e, s, x: .sparsity)
            case .flops: return accuracy(e, s, x: .flops)
            case .widths: return widths(e, s, ratio: ratio)
            case .scores: return scores(e, s)
            }
        }
    }

    /// nil when there is nothing to draw (no pruning results, or no scores for `.scores`).
    static func svg(_ plot: ReportPlot, _ s: ReportSummary, ratio: Double? = nil) -> String? {
        let figs = figures(plot, s, ratio: ratio)
        return figs.isEmpty ? nil : SVGCanvas.stack(figs, title: "prn report: \(plot.help)")
    }

    static func subtitle(_ e: ExperimentSummary, _ s: ReportSummary) -> String {
        "recipe: \(e.recipes.joined(separator: ", ")); seeds \(ReportTables.list(e.seeds)); prn \(s.prnVersions.joined(separator: ", "))"
    }

    enum XKind { case sparsity, flops }

    static func accuracy(_ e: ExperimentSummary, _ s: ReportSummary, x kind: XKind) -> SVGCanvas {
        var series: [LineSeries] = []
        var legend: [LegendEntry] = []
        for (i, m) in e.methods.enumerated() {
            let colour = MethodColours.colour(m, index: i)
            let rows = e.rows.filter { $0.method == m }
            func points(_ acc: (ReportRow) -> Stat?) -> [LinePoint] {
                rows.compactMap { r in
                    guard let a = acc(r) else { return nil }
                    let xv = kind == .sparsity ? r.paramSparsity.mean : r.flopsEffective.mean
                    return LinePoint(x: xv, y: a.mean, spread: a.std,
                                     note: String(format: "ratio %.3g, accuracy %.2f%% (n=%d)", r.ratio, a.mean * 100, a.n))
                }
            }
            series.append(LineSeries(name: "\(m) fine-tuned", colour: colour, dash: nil, points: points(\.accuracyFinetuned)))
            series.append(LineSeries(name: "\(m) pruned", colour: colour, dash: "6,4", points: points(\.accuracyPruned)))
            legend.append(LegendEntry(label: m, colour: colour, style: .line(dash: nil)))
        }
        legend.append(LegendEntry(label: "solid: after fine-tuning", colour: "#444", style: .line(dash: nil)))
        legend.append(LegendEntry(label: "dashed: right after pruning", colour: "#444", style: .line(dash: "6,4")))
        var refs: [(label: String, y: Double)] = []
        if let d = e.dense {
            refs.append(("dense", d.accuracy.mean))
            legend.append(LegendEntry(label: String(format: "dense model (%.2f%%)", d.accuracy.mean * 100), colour: "#555",
                                      style: .line(dash: "2,3")))
        }
        let frame = ChartFrame(
            title: kind == .sparsity ? "Accuracy vs sparsity: \(e.experiment.label)" : "Accuracy vs FLOPs: \(e.experiment.label)",
            subtitle: subtitle(e, s),
            xLabel: kind == .sparsity ? "parameters removed (% of the dense model)" : "effective FLOPs per sample (log scale)",
            yLabel: "test accuracy (%)")
        let xs = series.flatMap { $0.points.map(\.x) }.filter { $0 > 0 }
        let logX = kind == .flops && (xs.max() ?? 1) / max(xs.min() ?? 1, 1) > 3
        var f = frame
        if kind == .flops && !logX { f.xLabel = "effective FLOPs per sample" }
        return LineChart(frame: f, xScale: logX ? .log : .linear, xUnits: kind == .sparsity ? .percent : .si, yUnits: .percent,
                         series: series, references: refs, legend: legend).render()
    }

    /// The requested ratio shown in the widths plot: the one asked for, else the highest ratio
    /// every method reached (the most telling), else the highest of any.
    static func widthRatio(_ e: ExperimentSummary, _ asked: Double?) -> Double? {
        let withLayers = e.rows.filter { !$0.layers.isEmpty }
        let ratios = Set(withLayers.map(\.ratio))
        if let asked { return ratios.min { abs($0 - asked) < abs($1 - asked) } }
        let shared = ratios.filter { r in e.methods.allSatisfy { m in withLayers.contains { $0.method == m && $0.ratio == r } } }
        return shared.max() ?? ratios.max()
    }

    static func widths(_ e: ExperimentSummary, _ s: ReportSummary, ratio asked: Double?) -> SVGCanvas? {
        guard let ratio = widthRatio(e, asked) else { return nil }
        let rows = e.rows.filter { $0.ratio == ratio && !$0.layers.isEmpty }
        guard let first = rows.first else { return nil }
        let layerNames = first.layers.map(\.name)
        // Zoo MLPs name nodes by index; the kind makes such names readable.
        let labels = first.layers.map { l in l.name.allSatisfy(\.isNumber) ? "\(l.kind) \(l.name)" : l.name }
        var series: [(name: String, colour: String, values: [Double])] = []
        var legend: [LegendEntry] = []
        for (i, m) in e.methods.enumerated() {
            guard let r = rows.first(where: { $0.method == m }) else { continue }
            let byName = Dictionary(r.layers.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            let colour = MethodColours.colour(m, index: i)
            series.append((m, colour, layerNames.map { byName[$0]?.kept(structured: e.structured) ?? .nan }))
            legend.append(LegendEntry(label: m, colour: colour, style: .bar))
        }
        let unit = e.structured ? "units/channels kept" : "weights kept"
        let dense = first.layers.map { e.structured ? "\($0.widthBefore)" : AxisTicks.si(Double($0.weightsBefore)) }
        let frame = ChartFrame(title: String(format: "Per-layer widths at ratio %.3g: %@", ratio, e.experiment.label),
                               subtitle: subtitle(e, s) + "; dense " + (e.structured ? "widths: " : "weights: ")
                                   + zip(labels, dense).map { "\($0) \($1)" }.joined(separator: ", "),
                               xLabel: "layer (input to output)", yLabel: "\(unit) (% of dense)")
        var f = frame
        f.bottomSpace = 90
        return BarChart(frame: f, categories: labels, series: series, yUnits: .percent, legend: legend).render()
    }

    static func scores(_ e: ExperimentSummary, _ s: ReportSummary) -> SVGCanvas? {
        let methods = e.methods.filter { e.histograms[$0] != nil }
        guard !methods.isEmpty else { return nil }
        let columns = min(3, methods.count), panelW = 330.0, panelH = 262.0, legendW = 170.0, head = 56.0
        let rowsCount = (methods.count + columns - 1) / columns
        var c = SVGCanvas(width: Double(columns) * panelW + legendW, height: head + Double(rowsCount) * panelH)
        let title = "Importance scores: \(e.experiment.label)", sub = subtitle(e, s) + "; all layers pooled, first seed"
        c.text(title, c.width / 2, 24, size: SVGCanvas.fittedSize(title, width: c.width, preferred: 16, minimum: 9), anchor: .middle,
               weight: "bold", cls: "title")
        c.text(sub, c.width / 2, 42, size: SVGCanvas.fittedSize(sub, width: c.width, preferred: 11, minimum: 7), anchor: .middle,
               cls: "subtitle", fill: "#555")
        var legend: [LegendEntry] = []
        for (i, m) in methods.enumerated() {
            guard let h = e.histograms[m] else { continue }
            let colour = MethodColours.colour(m, index: e.methods.firstIndex(of: m) ?? i)
            legend.append(LegendEntry(label: m, colour: colour, style: .bar))
            let panel = histogramPanel(h, colour: colour, width: panelW, height: panelH)
            c.place(panel, x: Double(i % columns) * panelW, y: head + Double(i / columns) * panelH)
        }
        let frame = ChartFrame(title: "", subtitle: nil, xLabel: "", yLabel: "", width: c.width, height: c.height,
                               left: 0, top: head + 10, legendWidth: legendW, bottomSpace: 0)
        frame.drawLegend(&c, legend)
        return c
    }

    static func histogramPanel(_ h: ReportHistogram, colour: String, width: Double, height: Double) -> SVGCanvas {
        var c = SVGCanvas(width: width, height: height)
        let total = Double(max(h.counts.reduce(0, +) + h.zeros, 1))
        let log = h.scale == "log"
        let edges = (0...h.counts.count).map { h.lo + (h.hi - h.lo) * Double($0) / Double(max(h.counts.count, 1)) }
        let xEdges = log ? edges.map { pow(10, $0) } : edges
        let fractions = h.counts.map { Double($0) / total }
        var frame = ChartFrame(title: h.method, subtitle: "\(Int(total)) \(h.granularity) scored" + (h.zeros > 0 ? ", \(h.zeros) zero" : ""),
                               xLabel: log ? "importance (log scale)" : "importance", yLabel: "share of scores (%)",
                               width: width, height: height)
        frame.left = 62; frame.top = 48; frame.legendWidth = 0; frame.bottomSpace = 52
        let x = Axis(covering: [xEdges.first ?? 0, xEdges.last ?? 1], scale: log ? .log : .linear, units: .plain,
                     from: frame.plotLeft, to: frame.plotRight, exact: true)
        let y = Axis(covering: fractions + [0], scale: .linear, units: .percent, from: frame.plotBottom, to: frame.plotTop,
                     includeZero: true, clamp: 0...1)
        frame.draw(&c, x: x, y: y, legend: [])
        c.raw("<g class=\"series\" data-name=\"\(SVGCanvas.escape(h.method))\">")
        for (i, f) in fractions.enumerated() where f > 0 {
            let a = x.position(xEdges[i]), b = x.position(xEdges[i + 1]), top = y.position(f)
            c.rect(a, top, max(b - a - 0.5, 0.5), y.position(0) - top, fill: colour,
                   title: String(format: "%.4g to %.4g: %.2f%%", xEdges[i], xEdges[i + 1], f * 100))
        }
        c.raw("</g>")
        return c
    }
}

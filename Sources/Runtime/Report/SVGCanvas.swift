import Foundation

/// An SVG document built element by element. Text is escaped; numbers are written with two
/// decimals so files are small and diff cleanly.
struct SVGCanvas {
    var width: Double
    var height: Double
    private(set) var body: [String] = []

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// A font size at which `text` fits in `width` (sans-serif, about 0.62 em per character in
    /// bold), never above `preferred` nor below `minimum`: long experiment labels ("lenet5
    /// norm=sigmoid penalty=receding on ...") shrink instead of running off the figure.
    static func fittedSize(_ text: String, width: Double, preferred: Double, minimum: Double) -> Double {
        let needed = 0.62 * Double(text.count)
        return max(minimum, min(preferred, (width - 24) / max(needed, 1)))
    }

    static func f(_ x: Double) -> String { String(format: "%.2f", x.isFinite ? x : 0) }

    mutating func raw(_ element: String) { body.append(element) }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width w: Double = 1,
                       dash: String? = nil, cls: String? = nil) {
        body.append("<line\(cls.map { " class=\"\($0)\"" } ?? "") x1=\"\(Self.f(x1))\" y1=\"\(Self.f(y1))\" x2=\"\(Self.f(x2))\" y2=\"\(Self.f(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(Self.f(w))\"\(dash.map { " stroke-dasharray=\"\($0)\"" } ?? "")/>")
    }

    mutating func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String, stroke: String? = nil,
                       cls: String? = nil, title: String? = nil) {
        let open = "<rect\(cls.map { " class=\"\($0)\"" } ?? "") x=\"\(Self.f(x))\" y=\"\(Self.f(y))\" width=\"\(Self.f(max(w, 0)))\" height=\"\(Self.f(max(h, 0)))\" fill=\"\(fill)\"\(stroke.map { " stroke=\"\($0)\"" } ?? "")"
        if let title { body.append(open + "><title>\(Self.escape(title))</title></rect>") } else { body.append(open + "/>") }
    }

    mutating func polyline(_ points: [(Double, Double)], stroke: String, width w: Double = 2, dash: String? = nil, cls: String? = nil) {
        guard points.count > 1 else { return }
        let pts = points.map { "\(Self.f($0.0)),\(Self.f($0.1))" }.joined(separator: " ")
        body.append("<polyline\(cls.map { " class=\"\($0)\"" } ?? "") points=\"\(pts)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(Self.f(w))\"\(dash.map { " stroke-dasharray=\"\($0)\"" } ?? "")/>")
    }

    mutating func circle(_ x: Double, _ y: Double, r: Double, fill: String, stroke: String? = nil, title: String? = nil) {
        let open = "<circle cx=\"\(Self.f(x))\" cy=\"\(Self.f(y))\" r=\"\(Self.f(r))\" fill=\"\(fill)\"\(stroke.map { " stroke=\"\($0)\" stroke-width=\"1.5\"" } ?? "")"
        if let title { body.append(open + "><title>\(Self.escape(title))</title></circle>") } else { body.append(open + "/>") }
    }

    enum Anchor: String { case start, middle, end }

    mutating func text(_ s: String, _ x: Double, _ y: Double, size: Double = 12, anchor: Anchor = .start,
                       weight: String? = nil, rotate: Double? = nil, cls: String? = nil, fill: String = "#222") {
        let transform = rotate.map { " transform=\"rotate(\(Self.f($0)) \(Self.f(x)) \(Self.f(y)))\"" } ?? ""
        body.append("<text\(cls.map { " class=\"\($0)\"" } ?? "") x=\"\(Self.f(x))\" y=\"\(Self.f(y))\" font-size=\"\(Self.f(size))\" text-anchor=\"\(anchor.rawValue)\"\(weight.map { " font-weight=\"\($0)\"" } ?? "") fill=\"\(fill)\"\(transform)>\(Self.escape(s))</text>")
    }

    /// Places another canvas's elements at an offset (figures stacked in one file).
    mutating func place(_ other: SVGCanvas, x: Double, y: Double) {
        body.append("<g transform=\"translate(\(Self.f(x)),\(Self.f(y)))\">")
        body += other.body
        body.append("</g>")
    }

    func document(title: String) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Self.f(width))" height="\(Self.f(height))" viewBox="0 0 \(Self.f(width)) \(Self.f(height))" font-family="Helvetica, Arial, sans-serif">
        <title>\(Self.escape(title))</title>
        <rect x="0" y="0" width="\(Self.f(width))" height="\(Self.f(height))" fill="#ffffff"/>
        \(body.joined(separator: "\n"))
        </svg>

        """
    }

    /// Stacks figures vertically into one document.
    static func stack(_ figures: [SVGCanvas], title: String) -> String {
        let width = figures.map(\.width).max() ?? 400
        var all = SVGCanvas(width: width, height: figures.reduce(0) { $0 + $1.height })
        var y = 0.0
        for f in figures {
            all.place(f, x: 0, y: y)
            y += f.height
        }
        return all.document(title: title)
    }
}

/// Colours that stay distinguishable for most colour-vision deficiencies (Okabe-Ito), one per
/// method, fixed by name so a method has the same colour in every plot.
enum MethodColours {
    static let palette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#000000"]
    static let fixed: [String: String] = [
        "random": "#999999", "magnitude": "#0072B2", "taylor": "#E69F00", "slimming": "#009E73",
        "receding": "#CC79A7", "contribution": "#D55E00", "screening": "#56B4E9", "mipp": "#000000",
    ]

    static func colour(_ method: String, index: Int) -> String {
        fixed[method] ?? palette[index % palette.count]
    }
}

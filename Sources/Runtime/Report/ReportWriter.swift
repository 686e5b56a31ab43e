import Engine
import Foundation

/// Writes a summary as the file its extension asks for, or a whole folder of tables and plots.
public enum ReportWriter {
    public enum Format: String, CaseIterable, Sendable {
        case md, csv, json, svg
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public var help: String?
    }

    public static func format(of path: String) throws -> Format {
        let ext = URL(fileURLWithPath: path).pathExtension.lowercased()
        if let f = Format(rawValue: ext == "markdown" ? "md" : ext) { return f }
        throw Failure(description: "cannot tell what to write from '\(path)': the extension is '\(ext)'",
                      help: "end the path in .md (markdown table), .csv, .json or .svg (plot)")
    }

    /// The text of one report file.
    public static func render(_ format: Format, _ s: ReportSummary, plot: ReportPlot = .accuracy, ratio: Double? = nil) throws -> String {
        switch format {
        case .md: return "# Pruning results\n\n" + ReportTables.markdown(s) + "\n"
        case .csv: return ReportTables.csv(s)
        case .json: return try ReportTables.json(s)
        case .svg:
            guard let svg = ReportFigures.svg(plot, s, ratio: ratio) else {
                throw Failure(description: plot == .scores ? "there are no importance scores to plot"
                                                           : "there are no pruning results to plot",
                              help: plot == .scores ? "run 'score METHOD' first" : "run 'prune AMOUNT' and then 'eval' first")
            }
            return svg
        }
    }

    public static func write(_ text: String, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AtomicFile.write(Data(text.utf8), to: url)
    }

    /// results.md/.csv/.json and, per experiment, accuracy-vs-sparsity, accuracy-vs-FLOPs,
    /// layer-width and score-histogram plots. Returns the files written, relative to `dir`.
    @discardableResult
    public static func writeAll(_ s: ReportSummary, to dir: URL, headingLevel: Int = 2) throws -> [String] {
        let files = try renderAll(s, headingLevel: headingLevel)
        for (name, text) in files { try write(text, to: dir.appendingPathComponent(name)) }
        return files.map(\.name)
    }

    /// The files of writeAll with their text, in memory.
    public static func renderAll(_ s: ReportSummary, headingLevel: Int = 2) throws -> [(name: String, text: String)] {
        var files: [(name: String, text: String)] = [
            ("results.md", ReportTables.markdown(s, headingLevel: headingLevel) + "\n" + figureLinks(s) + "\n"),
            ("results.csv", ReportTables.csv(s)),
            ("results.json", try ReportTables.json(s)),
        ]
        for (i, e) in s.experiments.enumerated() {
            let one = ReportSummary(single: s, index: i)
            for plot in ReportPlot.allCases {
                guard let svg = ReportFigures.svg(plot, one) else { continue }
                files.append(("\(e.experiment.slug)-\(plot.rawValue).svg", svg))
            }
        }
        return files
    }

    /// Markdown image links to the plots writeAll makes, grouped by experiment.
    static func figureLinks(_ s: ReportSummary) -> String {
        var lines = ["Plots:", ""]
        for (i, e) in s.experiments.enumerated() {
            let one = ReportSummary(single: s, index: i)
            let plots = ReportPlot.allCases.filter { !ReportFigures.figures($0, one).isEmpty }
            guard !plots.isEmpty else { continue }
            lines.append("- \(e.experiment.label): " + plots.map { "[\($0.rawValue)](\(e.experiment.slug)-\($0.rawValue).svg)" }.joined(separator: ", "))
        }
        return lines.count > 2 ? lines.joined(separator: "\n") : ""
    }
}

extension ReportSummary {
    /// The same summary narrowed to one experiment (one figure per file).
    init(single s: ReportSummary, index: Int) {
        self = s
        experiments = [s.experiments[index]]
    }
}

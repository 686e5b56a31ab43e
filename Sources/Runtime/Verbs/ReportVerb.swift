import Foundation
import Language

/// `report PATH`: the session's results so far (every prune with the evals after it) as a
/// markdown table, CSV, JSON or an SVG plot, chosen by the file's extension.
enum ReportVerb {
    static let path = RequiredArgument<String>.text("path", .path, help: "file to write; the extension chooses the format")
    static let plot = VerbParameter<ReportPlot>.choice("plot", default: .accuracy, help: "what an .svg shows", noun: "plot",
                                                       describe: \.help)
    static let ratio = VerbParameter<Double?>.fraction("ratio", lowerOpen: true, upperOpen: true,
                                                       help: "plot=widths: the pruning ratio to show (default: the highest every method reached)")

    static let signature = VerbSignature(
        "report", summary: "write the results so far as a table (.md, .csv, .json) or plot (.svg)",
        arguments: [path.argument],
        options: [plot.spec, ratio.spec],
        resultFields: [ResultField("experiments", "comparisons in the report (model, data, granularity, scope)"),
                       ResultField("points", "pruned models reported (one per method, ratio and seed)")])

    static func run(_ inv: VerbInvocation, _ s: Session) throws -> Value {
        let path = try inv[Self.path]
        let url = try s.paths.resolveForWriting(path, purpose: "report")
        let plot = inv[Self.plot]
        let summary = ReportSummary(sessionInput(s))
        do {
            let format = try ReportWriter.format(of: path)
            let text = try ReportWriter.render(format, summary, plot: plot, ratio: inv[ratio])
            try ReportWriter.write(text, to: url)
            s.say("report: wrote \(path) (\(summary.experiments.count) experiment(s), \(summary.input.points.count) pruned model(s))")
        } catch let f as ReportWriter.Failure {
            throw VerbError("report \(path): \(f.description)", help: f.help)
        } catch let e as VerbError {
            throw e
        } catch {
            throw VerbError("report: cannot write \(path): \(error)", cause: error, help: "check that the folder exists and is writable")
        }
        return .record(Record(["experiments": Double(summary.experiments.count), "points": Double(summary.input.points.count)]))
    }

    /// The session's events, with the run log's manifest (recipe, prn version) when there is one;
    /// without a log, the recipe is the script `prn run` is running ("this session" in the REPL).
    static func sessionInput(_ s: Session) -> ReportInput {
        let events = (s.runLog.file.map { [$0.manifest] } ?? []) + s.runLog.events
        let source = ReportSource(path: s.runLog.file?.url.path ?? "", recipe: s.scriptName ?? "this session", recipeHash: "",
                                  prnVersion: PrnVersion.string, started: "", threads: nil)
        return RunExtraction.extract(events, source: source)
    }
}

import Foundation

/// Tables and plots from a sweep's logs, grouped by the swept variables: the value of each
/// grouping variable joins the method's name ("magnitude mode=rewind"), so runs that differ in
/// them become separate curves, and seeds are still averaged.
public enum SweepReport {
    /// Reads the logs (with the report's own reader) and labels their points with `by`, the
    /// grouping variables, whose values come from each log's manifest (`--set`).
    public static func read(_ paths: [String], by: [String]) throws -> ReportInput {
        var input = ReportInput()
        for path in paths {
            var one = try RunLogReader.read(path)
            let pieces = groups(path, by: by)
            // A variable whose value is the point's method (`--vary method=[...]`) or ratio
            // (`--vary ratio=[...]`) is already in the tables and plots; it adds no group.
            func labelled(_ method: String, ratio: Double?) -> String {
                let extra = pieces.filter { $0.value != method && (ratio == nil || Double($0.value) != ratio) }
                return ([method] + extra.map { "\($0.name)=\($0.value)" }).joined(separator: " ")
            }
            for i in one.points.indices { one.points[i].method = labelled(one.points[i].method, ratio: one.points[i].ratio) }
            for i in one.histograms.indices { one.histograms[i].method = labelled(one.histograms[i].method, ratio: nil) }
            input.merge(one)
        }
        return input
    }

    /// Writes the tables and plots of `paths` into `out`; returns the files written.
    public static func write(_ paths: [String], by: [String], to out: URL, headingLevel: Int = 2) throws -> [String] {
        let summary = ReportSummary(try read(paths, by: by))
        return try ReportWriter.writeAll(summary, to: out, headingLevel: headingLevel)
    }

    /// The grouping variables a log was run with and their values, from its manifest.
    static func groups(_ path: String, by: [String]) -> [(name: String, value: String)] {
        guard !by.isEmpty else { return [] }
        let sets = manifestSets(path)
        return by.compactMap { name in sets[name].map { (name, plain($0)) } }
    }

    /// The `--set` values recorded in a log's manifest (empty for logs written without them).
    static func manifestSets(_ path: String) -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path),
              let first = String(decoding: data, as: UTF8.self).split(separator: "\n").first,
              case .manifest(let manifest)? = (try? RunLogCodec.decode(line: String(first)))?.event else { return [:] }
        return manifest.set ?? [:]
    }

    /// A literal as people read it: strings without their quotes.
    static func plain(_ literal: String) -> String {
        literal.count >= 2 && literal.hasPrefix("\"") && literal.hasSuffix("\"") ? String(literal.dropFirst().dropLast()) : literal
    }
}

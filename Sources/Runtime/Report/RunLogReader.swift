import Foundation

/// Reads run logs (JSON lines written by `prn run --log`) for offline reports.
public enum RunLogReader {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    static let origin = "run logs are written by 'prn run SCRIPT --log FILE'"

    /// Every log's events, merged. A line that is not a JSON object, whose numbers are out of
    /// range, or that RunLogCodec cannot read (an unknown event, a missing or unknown field, a
    /// field of the wrong type) is an error naming the file and line; a log without events is an
    /// error too, since it most likely is the wrong file.
    public static func read(_ paths: [String]) throws -> ReportInput {
        var input = ReportInput()
        for path in paths {
            input.merge(try read(path))
        }
        return input
    }

    public static func read(_ path: String) throws -> ReportInput {
        guard let data = FileManager.default.contents(atPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw Failure(description: "\(path): \(exists ? "cannot read the file" : "no such file")")
        }
        return try parse(data, path: path)
    }

    /// The events of a log held in memory; `path` names it in errors and in the report.
    public static func parse(_ data: Data, path: String) throws -> ReportInput {
        var events: [RunLogRecord] = []
        for (i, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                  object["event"] is String else {
                throw Failure(description: "\(path):\(i + 1): not a run log event (a JSON object with an \"event\" field); \(origin)")
            }
            if let problem = RunLogNumbers.problem(in: object) {
                throw Failure(description: "\(path):\(i + 1): \(problem); the log is damaged or was not written by prn (\(origin))")
            }
            do { events.append(try RunLogCodec.decode(line: Data(text.utf8), object: object)) } catch let problem as RunLogCodec.Problem {
                throw Failure(description: "\(path):\(i + 1): \(problem); the log is damaged or was not written by this version of prn (\(origin))")
            }
        }
        if events.isEmpty {
            throw Failure(description: "\(path): the file is empty; \(origin)")
        }
        let source = ReportSource(path: path, recipe: URL(fileURLWithPath: path).lastPathComponent, recipeHash: "",
                                  prnVersion: PrnVersion.string, started: "", threads: nil)
        return RunExtraction.extract(events, source: source)
    }
}

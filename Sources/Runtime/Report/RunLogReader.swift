import Foundation

/// Reads run logs (JSON lines written by `prn run --log`) for offline reports.
public enum RunLogReader {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Every log's events, merged. A line that is not a JSON object is an error naming the file
    /// and line; a log without events is an error too, since it most likely is the wrong file.
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
        var events: [[String: Any]] = []
        for (i, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                  object["event"] is String else {
                throw Failure(description: "\(path):\(i + 1): not a run log event (a JSON object with an \"event\" field); "
                              + "run logs are written by 'prn run SCRIPT --log FILE'")
            }
            events.append(object)
        }
        if events.isEmpty {
            throw Failure(description: "\(path): the file is empty; run logs are written by 'prn run SCRIPT --log FILE'")
        }
        let source = ReportSource(path: path, recipe: URL(fileURLWithPath: path).lastPathComponent, recipeHash: "",
                                  prnVersion: PrnVersion.string, started: "", threads: nil)
        return RunExtraction.extract(events, source: source)
    }
}

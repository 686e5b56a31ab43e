import Foundation

/// A grid in a small text file, one setting a line (`#` starts a comment):
///
///     set epochs=2
///     vary method=[magnitude, random]
///     vary ratio=[0.5, 0.8, 0.9]
///     seeds 3
///     shared stage=train over run_seed
///
/// The same settings as the command line's `--set`, `--vary`, `--seeds` and `--shared`.
public enum SweepGridFile {
    public static func read(_ path: String, into grid: inout SweepGrid) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SweepGrid.Failure(description: "--grid \(path): \(FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file")")
        }
        try parse(String(decoding: data, as: UTF8.self), path: path, into: &grid)
    }

    public static func parse(_ text: String, path: String, into grid: inout SweepGrid) throws {
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let origin = "\(path):\(i + 1)"
            let (keyword, rest) = split(line)
            switch keyword {
            case "set": try grid.set(rest, origin: origin)
            case "vary": try grid.vary(rest, origin: origin)
            case "seeds":
                guard let n = Int(rest) else { throw SweepGrid.Failure(description: "\(origin): 'seeds' expects a count, e.g. 'seeds 3', got '\(rest)'") }
                try grid.seeds(n, origin: origin)
            case "shared":
                guard let r = rest.range(of: " over ") else {
                    throw SweepGrid.Failure(description: "\(origin): 'shared' expects NAME=VALUE over AXIS[,AXIS], e.g. 'shared stage=train over run_seed'")
                }
                let over = rest[r.upperBound...].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                try grid.share(String(rest[..<r.lowerBound]).trimmingCharacters(in: .whitespaces), over: over, origin: origin)
            default:
                throw SweepGrid.Failure(description: "\(origin): unknown setting '\(keyword)'; a line is 'set NAME=VALUE', 'vary NAME=[...]', 'seeds N' or 'shared NAME=VALUE over AXIS'")
            }
        }
    }

    /// The grid as a file `parse` reads back to the same points.
    public static func text(_ grid: SweepGrid) -> String {
        var lines = ["# The grid of a prn sweep (prn sweep RECIPE --grid FILE reads it)."]
        for f in grid.fixed { lines.append("set \(f.name)=\(f.value.literal)") }
        for a in grid.axes { lines.append("vary \(a.name)=\(Value.list(ValueList(a.values)).literal)") }
        if let s = grid.shared { lines.append("shared \(s.name)=\(s.value.literal) over \(grid.sharedOver.joined(separator: ","))") }
        return lines.joined(separator: "\n") + "\n"
    }

    static func split(_ line: String) -> (String, String) {
        guard let space = line.firstIndex(of: " ") else { return (line, "") }
        return (String(line[..<space]), line[space...].trimmingCharacters(in: .whitespaces))
    }
}

import Engine
import Foundation

/// Whether a point's run log shows a finished run of this recipe with this point's values, so a
/// rerun of the sweep can skip it. Only the manifest (first line) and the last event are read:
/// the report reads the rest.
public enum PointLogStatus: Equatable, Sendable {
    /// Ended `completed`, with the recipe's hash and the point's `--set` values.
    case complete
    case missing
    /// Ended with another status (failed, cancelled, rejected).
    case failed(String)
    /// No `end` event: the run was killed, or is still running.
    case partial
    /// Complete, but of another recipe text or other values.
    case stale(String)
    /// Not a run log.
    case unreadable(String)

    public var isComplete: Bool { self == .complete }

    public var text: String {
        switch self {
        case .complete: return "complete"
        case .missing: return "missing"
        case .failed(let status): return "ended \(status)"
        case .partial: return "partial (the run was stopped)"
        case .stale(let why): return "stale (\(why))"
        case .unreadable(let why): return "unreadable (\(why))"
        }
    }

    /// The fingerprint a log's manifest carries for a recipe text (`script_fnv1a`).
    public static func hash(ofRecipe text: String) -> String {
        String(RandomStream.stableHash(text), radix: 16)
    }

    public static func of(log url: URL, recipeHash: String, sets: [(String, String)]) -> PointLogStatus {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            return FileManager.default.fileExists(atPath: url.path) ? .unreadable("cannot read the file") : .missing
        }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
        func record(_ line: String?) -> RunLogRecord? { line.flatMap { try? RunLogCodec.decode(line: $0) } }
        guard case .manifest(let manifest)? = record(lines.first)?.event else {
            return .unreadable("the first line is not a run log manifest")
        }
        guard case .end(let end)? = record(lines.last)?.event else { return .partial }
        guard end.status == "completed" else { return .failed(end.status) }
        if manifest.scriptHash != recipeHash { return .stale("the recipe changed since") }
        let logged = manifest.set ?? [:]
        let wanted = Dictionary(sets, uniquingKeysWith: { _, b in b })
        if logged != wanted { return .stale("run with other --set values") }
        return .complete
    }
}

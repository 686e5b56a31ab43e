import Foundation
import XCTest

/// `prn report` on run logs whose numbers are out of range or not numbers at all, or whose events
/// are not what prn writes (an unknown event, a missing or unknown field, a field of the wrong
/// type): each must end in a data error (exit 65) naming the log file, the line and the field,
/// never in a trap and never in a report that reads the damage as zeros.
final class MalformedRunLogTests: XCTestCase {
    struct Case {
        var name: String
        /// The log's lines; the damaged one is the last.
        var lines: [String]
        /// Texts stderr must contain besides "log.jsonl:LINE:".
        var mentions: [String]
    }

    /// Complete events, as prn writes them, before the damaged line.
    static let manifest = #"{"event": "manifest", "prn_version": "0.1.0", "script": "sweep.prn", "script_fnv1a": "0", "machine": "m", "cores": 2, "threads": 2, "blas": "none", "started": "", "seed": 1}"#
    static let prune = #"{"event": "prune", "method": "magnitude", "granularity": "weights", "scope": "global", "requested": 0.5, "sparsity": 0.5, "param_sparsity": 0.5, "params": 1000, "nonzero": 500, "flops": 2000, "flops_effective": 1000, "speedup": 1, "layers": [], "seed": 1}"#

    static let cases: [Case] = [
        Case(name: "threads 1e300", lines: [#"{"event": "manifest", "threads": 1e300}"#], mentions: ["threads"]),
        Case(name: "finetune epochs 1e300", lines: [manifest, prune, #"{"event": "finetune", "epochs": 1e300}"#], mentions: ["epochs"]),
        Case(name: "finetune epochs -1e300", lines: [manifest, prune, #"{"event": "finetune", "epochs": -1e300}"#], mentions: ["epochs"]),
        Case(name: "finetune epochs 20 digits", lines: [manifest, prune, #"{"event": "finetune", "epochs": 99999999999999999999}"#],
             mentions: ["epochs"]),
        Case(name: "finetune epochs not a whole number", lines: [manifest, prune, #"{"event": "finetune", "epochs": 2.5}"#],
             mentions: ["epochs"]),
        Case(name: "layer width 20 digits",
             lines: [manifest, #"{"event": "prune", "method": "magnitude", "requested": 0.5, "layers": [{"name": "fc1", "width": 99999999999999999999}]}"#],
             mentions: ["width"]),
        Case(name: "histogram count 1e300",
             lines: [manifest, #"{"event": "score", "method": "magnitude", "histogram": {"scale": "linear", "lo": 0, "hi": 1, "zeros": 0, "counts": [1, 1e300]}}"#],
             mentions: ["counts"]),
        Case(name: "histogram counts overflow when added",
             lines: [manifest, #"{"event": "score", "method": "magnitude", "histogram": {"scale": "linear", "lo": 0, "hi": 1, "zeros": 0, "counts": [9000000000000000000, 9000000000000000000]}}"#],
             mentions: ["counts"]),
        Case(name: "histogram log scale 1e300",
             lines: [manifest, #"{"event": "score", "method": "magnitude", "histogram": {"scale": "log", "lo": -1e300, "hi": 1e300, "zeros": 0, "counts": [1, 2]}}"#],
             mentions: ["lo"]),
        Case(name: "seed 1e20", lines: [manifest, #"{"event": "eval", "split": "test", "accuracy": 0.5, "seed": 1e20}"#], mentions: ["seed"]),
        Case(name: "seed negative", lines: [manifest, #"{"event": "eval", "split": "test", "accuracy": 0.5, "seed": -1}"#], mentions: ["seed"]),
        Case(name: "eval params 1e300",
             lines: [manifest, #"{"event": "eval", "split": "test", "accuracy": 0.5, "params": 1e300, "seed": 1}"#], mentions: ["params"]),
        Case(name: "prune nonzero -1e300", lines: [manifest, #"{"event": "prune", "method": "m", "requested": 0.5, "nonzero": -1e300}"#],
             mentions: ["nonzero"]),
        Case(name: "prune requested 1e300", lines: [manifest, #"{"event": "prune", "method": "m", "requested": 1e300}"#],
             mentions: ["requested"]),
        Case(name: "prune without requested",
             lines: [manifest, prune.replacingOccurrences(of: #""requested": 0.5, "#, with: "")], mentions: ["requested"]),
        Case(name: "end with an unknown field",
             lines: [manifest, #"{"event": "end", "status": "completed", "seed": 1, "top1": 0.5}"#], mentions: ["top1"]),
        Case(name: "eval accuracy as text",
             lines: [manifest, #"{"event": "eval", "split": "test", "accuracy": "high", "top5": 1, "loss": 0, "params": 1, "nonzero": 1, "sparsity": 0, "flops": 1, "flops_effective": 1, "latency_ms": 1, "samples_per_s": 1, "seed": 1}"#],
             mentions: ["accuracy"]),
        Case(name: "unknown event", lines: [manifest, #"{"event": "teleport", "seed": 1}"#], mentions: ["teleport"]),
        Case(name: "epochs NaN", lines: [manifest, prune, #"{"event": "finetune", "epochs": NaN}"#], mentions: []),
        Case(name: "epochs Infinity", lines: [manifest, prune, #"{"event": "finetune", "epochs": Infinity}"#], mentions: []),
    ]

    func testEveryOutOfRangeNumberEndsInAnErrorNamingTheLine() throws {
        _ = try PrnProcess.binary()
        var failures = [String]()
        for c in Self.cases {
            let folder = try TemporaryFolder("runlog")
            try folder.write("log.jsonl", text: c.lines.joined(separator: "\n") + "\n")
            let outcome = try PrnProcess.run(["report", "log.jsonl", "--out", "out"], in: folder.url, timeout: 60)
            var problems = [String]()
            if outcome.timedOut { problems.append("did not finish within 60 s") }
            if outcome.signalled { problems.append("died of signal \(outcome.status)") }
            if !outcome.signalled && outcome.status != 65 { problems.append("exit \(outcome.status), expected 65 (a damaged log is bad data, not a usage mistake)") }
            for text in ["log.jsonl:\(c.lines.count):"] + c.mentions where !outcome.stderr.contains(text) {
                problems.append("stderr does not mention '\(text)'")
            }
            if !problems.isEmpty {
                failures.append("[\(c.name)] " + problems.joined(separator: "; ") + "\n  stderr: " + outcome.stderr.prefix(400))
            }
        }
        XCTAssert(failures.isEmpty, "\(failures.count) of \(Self.cases.count) cases failed:\n" + failures.joined(separator: "\n"))
    }
}

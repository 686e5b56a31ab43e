import Foundation
import XCTest

/// A small sweep for the sweep tests: an MLP on synthetic data, pruned by two methods at two
/// ratios for three seeds (12 points of about a second each: long enough to stop the sweep between them).
enum SweepFixture {
    static let recipe = """
        seed run_seed
        load mlp data=synthetic hidden=[128, 64]
        train epochs=300 lr=0.05
        eval
        score (method) granularity=weights
        prune ratio global latency=false
        eval
        finetune epochs=1 lr=0.01
        eval

        """

    static let grid = ["--vary", "method=[magnitude, random]", "--vary", "ratio=[0.5, 0.9]", "--seeds", "3"]

    static let names: Set<String> = Set(["magnitude", "random"].flatMap { m in
        ["0.5", "0.9"].flatMap { r in (0..<3).map { "method=\(m),ratio=\(r),run_seed=\($0)" } }
    })

    /// Threads fixed so every run computes the same numbers whatever the machine.
    static let environment = ["PRN_THREADS": "2"]

    /// Names of the points whose log ended `completed`.
    static func completeLogs(in logs: URL) -> Set<String> {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: logs.path)) ?? []
        return Set(files.filter { $0.hasSuffix(".jsonl") }.filter { file in
            guard let text = try? String(contentsOf: logs.appendingPathComponent(file), encoding: .utf8),
                  let last = text.split(separator: "\n").last else { return false }
            return last.contains("\"event\":\"end\"") && last.contains("\"status\":\"completed\"")
        }.map { String($0.dropLast(".jsonl".count)) })
    }

    /// The log names of the points a sweep ran ("prn sweep: NAME: ok in 0:01; ..." lines).
    static func ran(_ stderr: String) -> [String] {
        stderr.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("prn sweep: "),
                  let end = line.range(of: ": ok in ") ?? line.range(of: ": FAILED") ?? line.range(of: ": stopped in ") else { return nil }
            return String(line[line.index(line.startIndex, offsetBy: "prn sweep: ".count)..<end.lowerBound])
        }
    }

    static func report(_ folder: URL) throws -> [String: String] {
        var files: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where !name.hasSuffix(".json") {
            files[name] = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
        }
        return files
    }
}

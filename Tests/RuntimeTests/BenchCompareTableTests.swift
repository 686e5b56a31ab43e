import Foundation
import XCTest

/// scripts/bench-compare's tables, from a saved run (`--from-raw`): same-round ratios, their
/// spread over the rounds, the verdict of every target, and onnxruntime's line names read as
/// prn's. Made-up numbers: nothing here is timed.
final class BenchCompareTableTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let raw = """
    [
     {"round": 0, "tool": "versions", "section": "references", "records": [
       {"workload": "prn", "version": "0.1.0"}, {"workload": "torch", "version": "2.1.0"},
       {"workload": "onnxruntime", "version": "1.17.1"}]},
     {"round": 1, "tool": "placement", "section": "resnet", "records": [{"workload": "round_trip_ns", "value": 104}]},
     {"round": 2, "tool": "placement", "section": "resnet", "records": [{"workload": "round_trip_ns", "value": 415}]},
     {"round": 1, "tool": "prn", "section": "resnet", "records": [
       {"workload": "resnet20-32x32-train-epoch", "samples_per_s": 300, "peak_rss_mb": 200.0},
       {"workload": "resnet20-32x32-infer", "samples_per_s": 1000}]},
     {"round": 1, "tool": "torch", "section": "resnet", "records": [
       {"workload": "resnet20-32x32-train-epoch", "samples_per_s": 150}, {"workload": "resnet20-32x32-infer", "samples_per_s": 900}]},
     {"round": 1, "tool": "torch-memory", "section": "resnet", "records": [
       {"workload": "resnet20-32x32-train-epoch", "samples_per_s": 150, "peak_rss_mb": 400.0}]},
     {"round": 2, "tool": "torch", "section": "resnet", "records": [
       {"workload": "resnet20-32x32-train-epoch", "samples_per_s": 250}, {"workload": "resnet20-32x32-infer", "samples_per_s": 500}]},
     {"round": 2, "tool": "prn", "section": "resnet", "records": [
       {"workload": "resnet20-32x32-train-epoch", "samples_per_s": 300, "peak_rss_mb": 500.0},
       {"workload": "resnet20-32x32-infer", "samples_per_s": 1000}]},
     {"round": 2, "tool": "torch-memory", "section": "resnet", "records": [
       {"workload": "resnet20-32x32-train-epoch", "samples_per_s": 150, "peak_rss_mb": 400.0}]},
     {"round": 3, "tool": "prn", "section": "resnet", "records": [
       {"workload": "resnet20-32x32-train-epoch", "samples_per_s": 300, "peak_rss_mb": 600.0},
       {"workload": "resnet20-32x32-infer", "samples_per_s": 1000}]},
     {"round": 3, "tool": "torch", "section": "resnet", "records": [
       {"workload": "resnet20-32x32-train-epoch", "samples_per_s": 100}, {"workload": "resnet20-32x32-infer", "samples_per_s": 400}]},
     {"round": 3, "tool": "torch-memory", "section": "resnet", "records": [
       {"workload": "resnet20-32x32-train-epoch", "samples_per_s": 150, "peak_rss_mb": 400.0}]},
     {"round": 1, "tool": "prn", "section": "sparse", "records": [
       {"workload": "lenet300-mnist-infer", "samples_per_s": 100},
       {"workload": "lenet300-sparse95-mnist-infer", "samples_per_s": 350, "speedup": 3.5},
       {"workload": "lenet300-sparse95-b256-mnist-infer", "samples_per_s": 1, "speedup": 4.2}]},
     {"round": 1, "tool": "prn", "section": "lenet300", "records": [
       {"workload": "lenet300-mnist-infer", "samples_per_s": 10}]},
     {"round": 1, "tool": "prn-model", "section": "d/resnet18.onnx", "records": [
       {"workload": "resnet18-batch1-infer", "samples_per_s": 30}, {"workload": "resnet18-batch32-infer", "samples_per_s": 80}]},
     {"round": 1, "tool": "ort", "section": "d/resnet18.onnx", "records": [
       {"workload": "ort-resnet18.onnx-b1", "samples_per_s": 40}, {"workload": "ort-resnet18.onnx-b32", "samples_per_s": 90}]}
    ]
    """

    func testTablesFromASavedRun() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("prn-bench-compare-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let raw = dir.appendingPathComponent("raw.json")
        try Self.raw.write(to: raw, atomically: true, encoding: .utf8)
        let out = try runScript(["--from-raw", raw.path])
        func row(_ prefix: String) -> String { out.split(separator: "\n").first { $0.hasPrefix(prefix) }.map(String.init) ?? "" }

        // Rounds 2.0, 1.2, 3.0 against >= 1.5: median 2.0, one round below.
        XCTAssertEqual(row("| resnet20-32x32-train-epoch | 300 |"),
                       "| resnet20-32x32-train-epoch | 300 | 150 | **2.00** | 1.20-3.00 | >= 1.5 | met on the median only |", out)
        // 1.11, 2.0, 2.5: median 2.0 >= 1.5, lowest round below.
        XCTAssertTrue(row("| resnet20-32x32-infer |").hasSuffix("| **2.00** | 1.11-2.50 | >= 1.5 | met on the median only |"), out)
        // Memory 0.5, 1.25, 1.5 against <= 1: the median is over.
        XCTAssertTrue(row("| resnet20-32x32-train-epoch | 500 |").hasSuffix("| **1.25** | 0.50-1.50 | <= 1.0 | not met |"), out)
        // Same-process ratio: the sparse group's own lenet300-mnist-infer, not the lenet300 group's.
        XCTAssertTrue(row("| lenet300-sparse95-mnist-infer").contains("| **3.50** | 3.50 (one round) | >= 3.0 | met |"), out)
        XCTAssertTrue(row("| lenet300-sparse95-b256-mnist-infer").hasSuffix("| >= 5.0 | not met |"), out)
        // The shared onnxruntime reference's `ort-resnet18.onnx-b1` is prn's resnet18-batch1-infer.
        XCTAssertTrue(row("| resnet18-batch1-infer |").hasSuffix("| **0.75** | 0.75 (one round) | >= 0.8 | not met |"), out)
        XCTAssertTrue(row("| resnet18-batch32-infer |").hasSuffix("| >= 0.8 | met |"), out)
        // The versions compared, and a round count without the versions entry.
        XCTAssertTrue(out.contains("Compared: prn 0.1.0, torch 2.1.0, onnxruntime 1.17.1."), out)
        // Where the two CPUs were before each group (the cache-line round trip).
        XCTAssertTrue(out.contains("The two CPUs' cache-line round trip before each group: 104-415 ns, across dies (>= 250 ns) before round 2 resnet, a shared cache before the rest."), out)
        XCTAssertTrue(out.hasPrefix("3 rounds;"), out)
        // Every target is named, measured or not.
        XCTAssertTrue(out.contains("- vggsmall-32x32-train-epoch prn / PyTorch >= 1.5: **not measured in this run**"), out)
        XCTAssertTrue(out.contains("- resnet18-pruned-batch32-infer prn / onnxruntime >= 1.0: **not measured in this run**"), out)
        XCTAssertTrue(out.contains("- resnet20-32x32-train-epoch memory prn peak / PyTorch peak <= 1.0: **not met"), out)
    }

    /// `--update DOC` rewrites only the blocks between bench-compare's markers, names the saved
    /// run by its path in the checkout (and its date), and gives the same document when run again;
    /// a document without the markers, a run outside the checkout or one missing a table is
    /// refused with the document left as it was.
    func testUpdateRewritesOnlyTheMarkedBlocks() throws {
        let dir = Self.root.appendingPathComponent(".build/bench-compare-test-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let raw = dir.appendingPathComponent("bench-compare-2026-01-02.json")
        try Self.raw.write(to: raw, atomically: true, encoding: .utf8)
        let rawInDoc = ".build/\(dir.lastPathComponent)/bench-compare-2026-01-02.json"
        let block = { (key: String) in "<!-- bench-compare: \(key) -->\nold \(key)\n| old | table |\n<!-- /bench-compare: \(key) -->" }
        let original = (["# Benchmarks", "Prose before.", block("run"), "| earlier | table |", block("torch"),
                         "Prose between.", block("internal"), block("ort"), block("memory"), "Prose after."]).joined(separator: "\n\n")
        let doc = dir.appendingPathComponent("benchmarks.md")
        try original.write(to: doc, atomically: true, encoding: .utf8)
        _ = try runScript(["--from-raw", raw.path, "--update", doc.path])
        let updated = try String(contentsOf: doc, encoding: .utf8)
        for kept in ["# Benchmarks\n\nProse before.\n\n<!-- bench-compare: run -->\n", "<!-- /bench-compare: run -->\n\n| earlier | table |\n\n",
                     "<!-- /bench-compare: torch -->\n\nProse between.\n\n<!-- bench-compare: internal -->", "<!-- /bench-compare: memory -->\n\nProse after."] {
            XCTAssertTrue(updated.contains(kept), "\(kept) in\n\(updated)")
        }
        XCTAssertFalse(updated.contains("old ") || updated.contains("| old |"), updated)
        XCTAssertTrue(updated.contains("Measured 2026-01-02 with `PRN_DATA=../shared/data scripts/bench-compare --rounds 3 --save-raw \(rawInDoc)`"), updated)
        XCTAssertTrue(updated.contains("`scripts/bench-compare --from-raw \(rawInDoc)` prints these tables again"), updated)
        XCTAssertTrue(updated.contains("- resnet20-32x32-train-epoch prn / PyTorch >= 1.5: **met on the median only"), updated)
        XCTAssertTrue(updated.contains("<!-- bench-compare: torch -->\nThe run of 2026-01-02 ([how it was made](#targets)):\n\n| workload | prn samples/s |"), updated)
        XCTAssertTrue(updated.contains("| resnet20-32x32-train-epoch | 300 | 150 | **2.00** | 1.20-3.00 | >= 1.5 | met on the median only |\n"), updated)
        XCTAssertTrue(updated.contains("| 1.11-2.50 | >= 1.5 | met on the median only |\n<!-- /bench-compare: torch -->"), updated)
        XCTAssertTrue(updated.contains("| resnet18-batch1-infer | 30.0 | 40.0 | **0.75** |"), updated)
        XCTAssertTrue(updated.contains("| resnet20-32x32-train-epoch | 500 | 400 | **1.25** |"), updated)
        _ = try runScript(["--from-raw", raw.path, "--update", doc.path])
        XCTAssertEqual(try String(contentsOf: doc, encoding: .utf8), updated, "a second update of the same run changes nothing")

        let outside = FileManager.default.temporaryDirectory.appendingPathComponent("prn-raw-\(UUID()).json")
        try Self.raw.write(to: outside, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: outside) }
        XCTAssertTrue(try runScript(["--from-raw", outside.path, "--update", doc.path], expectFailure: true).contains("outside the checkout"))
        let unmarked = dir.appendingPathComponent("unmarked.md")
        try original.replacingOccurrences(of: "<!-- /bench-compare: memory -->", with: "").write(to: unmarked, atomically: true, encoding: .utf8)
        XCTAssertTrue(try runScript(["--from-raw", raw.path, "--update", unmarked.path], expectFailure: true)
            .contains("`<!-- /bench-compare: memory -->`"))
        let noOnnx = dir.appendingPathComponent("no-onnx.json")
        let runs = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(Self.raw.utf8)) as? [[String: Any]])
        try JSONSerialization.data(withJSONObject: runs.filter { $0["section"] as? String != "d/resnet18.onnx" }).write(to: noOnnx)
        XCTAssertTrue(try runScript(["--from-raw", noOnnx.path, "--update", doc.path], expectFailure: true)
            .contains("no data for: prn against onnxruntime"))
        XCTAssertEqual(try String(contentsOf: doc, encoding: .utf8), updated, "a refused update leaves the document")
    }

    func testUnreadableSavedRunIsNamed() throws {
        let out = try runScript(["--from-raw", "/nonexistent/raw.json"], expectFailure: true)
        XCTAssertTrue(out.contains("--from-raw /nonexistent/raw.json"), out)
    }

    /// The script's output (stdout, or stderr when it fails as expected).
    private func runScript(_ arguments: [String], expectFailure: Bool = false) throws -> String {
        let candidates = ["/usr/bin/python3"] + (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/python3" }
        guard let python = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            if ProcessInfo.processInfo.environment["CI"] == "true" { XCTFail("python3 is not installed; scripts/bench-compare needs it"); return "" }
            throw XCTSkip("python3 is not installed; scripts/bench-compare needs it")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = [Self.root.appendingPathComponent("scripts/bench-compare").path] + arguments
        let stdout = Pipe(), stderr = Pipe()
        p.standardOutput = stdout
        p.standardError = stderr
        try p.run()
        let out = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let err = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        if expectFailure {
            XCTAssertNotEqual(p.terminationStatus, 0, out)
            return err
        }
        XCTAssertEqual(p.terminationStatus, 0, err)
        return out
    }
}

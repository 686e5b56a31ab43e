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
        XCTAssertTrue(out.hasPrefix("3 rounds;"), out)
        // Every target is named, measured or not.
        XCTAssertTrue(out.contains("- vggsmall-32x32-train-epoch prn / PyTorch >= 1.5: **not measured in this run**"), out)
        XCTAssertTrue(out.contains("- resnet18-pruned-batch32-infer prn / onnxruntime >= 1.0: **not measured in this run**"), out)
        XCTAssertTrue(out.contains("- resnet20-32x32-train-epoch memory prn peak / PyTorch peak <= 1.0: **not met"), out)
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

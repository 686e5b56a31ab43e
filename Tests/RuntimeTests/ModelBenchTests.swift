import Engine
import Pruning
import Foundation
import XCTest
@testable import Runtime

/// `prn bench --model FILE`: one line per batch size, then the pruned model's lines with the
/// speedup over the same batch (never asserted on time: only that the lines are there).
final class ModelBenchTests: XCTestCase {
    func testTimesEachBatchAndThePrunedModel() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("prn-bench-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try Zoo.build("lenet5", ZooOptions(inputShape: [1, 16, 16], classes: 4, seed: 0))
        let path = dir.appendingPathComponent("small.safetensors").path
        try ModelFile.save(model, to: URL(fileURLWithPath: path))
        var lines: [BenchResult] = [], notes: [String] = []
        try ModelWorkloads.run(.init(path: path, batches: [1, 3], prune: 0.5, local: true, runs: 2),
                               emit: { lines.append($0) }, note: { notes.append($0) })
        XCTAssertEqual(lines.map(\.workload), ["small-batch1-infer", "small-batch3-infer",
                                               "small-pruned50-local-batch1-infer", "small-pruned50-local-batch3-infer"])
        XCTAssertTrue(lines.allSatisfy { ($0.samplesPerSecond ?? 0) > 0 && ($0.extra["ms_per_batch"] ?? 0) > 0 })
        XCTAssertNil(lines[0].extra["speedup"])
        XCTAssertNotNil(lines[3].extra["speedup"])
        XCTAssertTrue(notes.first?.contains("prune 50.0% local, channels") ?? false, "\(notes)")
    }

    /// `--layers`: every node of the forward is timed once, fused chains as one step named by all
    /// their nodes, in the order the forward runs them.
    func testStepTimesCoverEveryNodeOnceAsTheForwardRunsThem() throws {
        let model = try Zoo.build("resnet20", ZooOptions(inputShape: [3, 8, 8], classes: 4, seed: 0))
        let timing = StepTimes.measure(model, batch: 2, runs: 3)
        let steps = timing.steps
        XCTAssertNil(model.stepClock, "the clock is removed after the timing")
        // Each forward's time outside its steps is at least 0 and at most the forward, so their
        // medians are too (a sum of step medians bounds nothing).
        XCTAssertGreaterThanOrEqual(timing.outsideSteps, 0)
        XCTAssertLessThanOrEqual(timing.outsideSteps, timing.forward)
        let covered = steps.flatMap(\.nodes)
        XCTAssertEqual(covered.sorted(), Array(1..<model.nodes.count), "each node in exactly one step")
        XCTAssertEqual(steps.map { $0.nodes[0] }, steps.map { $0.nodes[0] }.sorted(), "steps in the forward's order")
        let stem = try XCTUnwrap(steps.first)
        XCTAssertTrue(model.nodes[stem.nodes[0]].layer is Conv2d)
        XCTAssertTrue(stem.nodes.count >= 2, "conv -> batch norm -> ReLU runs as one step: \(stem.nodes)")
        let table = StepTimes.table(model, timing, title: "resnet20 batch 2")
        XCTAssertEqual(table.count, steps.count + 3)
        XCTAssertTrue(table.last?.hasPrefix("  whole forward ") ?? false, table.last ?? "")
        let names = stem.nodes.map { model.nodes[$0].name }.joined(separator: " + ")
        XCTAssertTrue(table[2].hasPrefix("  " + names) && table[2].contains("conv 3x3/1 3->"), table[2])
    }

    /// `--samples N` times as onnxruntime's reference does: one warm-up forward, then each pass
    /// runs forwards until it has N samples (3 passes), and the fastest pass's mean is reported.
    func testFastestPassRunsTheReferenceProtocol() throws {
        let model = try Zoo.build("lenet5", ZooOptions(inputShape: [1, 16, 16], classes: 4, seed: 0))
        var forwards = 0
        model.stepClock = { nodes, _ in if nodes.contains(1) { forwards += 1 } }
        let ms = try Pruning.Latency.fastestPass(model, batch: 3, samples: 7, passes: 2)
        model.stepClock = nil
        XCTAssertGreaterThan(ms, 0)
        XCTAssertEqual(forwards, 1 + 2 * 3, "a warm-up, then two passes of three batches of 3 (9 >= 7 samples)")
        XCTAssertThrowsError(try Pruning.Latency.fastestPass(model, batch: 1, samples: 0, passes: 3))
        var lines: [BenchResult] = []
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("prn-bench-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("small.safetensors").path
        try ModelFile.save(model, to: URL(fileURLWithPath: path))
        try ModelWorkloads.run(.init(path: path, batches: [2], samplesPerPass: 4), emit: { lines.append($0) })
        XCTAssertEqual(lines.map(\.workload), ["small-batch2-infer"])
        XCTAssertGreaterThan(lines[0].samplesPerSecond ?? 0, 0)
    }

    func testRefusesWhatItCannotTime() throws {
        XCTAssertThrowsError(try ModelWorkloads.run(.init(path: "m.txt", batches: [1]), emit: { _ in })) {
            XCTAssertTrue("\($0)".contains(".safetensors") && "\($0)".contains(".onnx"), "\($0)")
        }
        XCTAssertThrowsError(try ModelWorkloads.run(.init(path: "missing.onnx", batches: [1]), emit: { _ in })) {
            XCTAssertTrue("\($0)".contains("missing.onnx"), "\($0)")
        }
        XCTAssertThrowsError(try ModelWorkloads.run(.init(path: "m.onnx", batches: [0]), emit: { _ in }))
    }
}

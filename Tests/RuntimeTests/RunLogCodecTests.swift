import Foundation
@testable import Runtime
import XCTest

/// Run-log lines through the one codec that writes and reads them: every event comes back as it
/// was written, and a line with an unknown event, a missing or unknown field, or a field of the
/// wrong type is refused naming the field (and, through RunLogReader, the file and line).
final class RunLogCodecTests: XCTestCase {
    /// One record of every event, optional fields both given and left out.
    static let samples: [RunLogRecord] = [
        RunLogRecord(.manifest(.init(prnVersion: "0.1.0", script: "sweep.prn", scriptHash: "af01", machine: "Linux 6 x86_64",
                                     cores: 4, threads: 2, blas: "openblas", started: "2026-01-01T00:00:00Z")), seed: 0),
        RunLogRecord(.data(.init(name: "mnist", identity: "mnist:abc", train: 60000, test: 10000, classes: 10)), seed: 3),
        RunLogRecord(.load(.init(model: "lenet5", params: 61706, flops: 846_000, architecture: #"{"name":"lenet5"}"#,
                                 variant: "norm=sigmoid")), seed: 3),
        RunLogRecord(.load(.init(model: "m.safetensors", params: 1, flops: 2, architecture: "{}", variant: nil)), seed: 3),
        RunLogRecord(.epoch(.init(verb: "train", epoch: 1, loss: 0.25, accuracy: 0.9, penalty: 0.5, lr: 0.05, seconds: 1.5,
                                  partial: nil, batches: nil, batchesTotal: nil)), seed: 3),
        RunLogRecord(.epoch(.init(verb: "finetune", epoch: 2, loss: 0.25, accuracy: 0.9, penalty: 0, lr: 0.005, seconds: 0.5,
                                  partial: true, batches: 7, batchesTotal: 100)), seed: 3),
        RunLogRecord(.train(.completed(.init(epochs: 2, loss: 0.1, accuracy: 0.97, seconds: 3.25, samplesPerSecond: 1234.5,
                                             variant: "penalty=pat",
                                             options: ["lr": .number(0.05), "nesterov": .flag(false), "schedule": .text("cosine")]))),
                     seed: 3),
        RunLogRecord(.train(.completed(.init(epochs: 2, loss: 0.1, accuracy: 0.97, seconds: 3.25, samplesPerSecond: 1234.5,
                                             variant: nil, options: nil))), seed: 3),
        RunLogRecord(.finetune(.stopped(.init(interrupted: true, epochs: 1, batches: 12))), seed: 3),
        RunLogRecord(.eval(.init(split: "test", accuracy: 0.98, top5: 0.999, loss: 0.05, params: 266_610, nonzero: 26_661,
                                 sparsity: 0.9, flops: 533_000, flopsEffective: 53_300, latencyMs: 0.25, samplesPerSecond: 1e5)),
                     seed: 3),
        RunLogRecord(.eval(.init(split: "val", accuracy: 0.5, top5: nil, loss: 1, params: 10, nonzero: 10, sparsity: 0, flops: 20,
                                 flopsEffective: 20, latencyMs: 0.1, samplesPerSecond: 10)), seed: 3),
        RunLogRecord(.score(.init(method: "magnitude", granularity: "weights", units: 6, seconds: 0.01,
                                  histogram: .init(scale: "log", lo: -3.5, hi: 0.25, zeros: 2, count: 6, counts: [1, 0, 3]))), seed: 3),
        RunLogRecord(.score(.init(method: "random", granularity: "channels", units: 0, seconds: 0, histogram: nil)), seed: 3),
        RunLogRecord(.prune(.init(method: "magnitude", granularity: "channels", scope: "local", requested: 0.5, sparsity: 0.48,
                                  paramSparsity: 0.4, params: 1000, nonzero: 600, flops: 2000, flopsEffective: 1200, speedup: 1.5,
                                  layers: [.init(name: "conv1", kind: "conv", widthBefore: 6, width: 3, weightsBefore: 150,
                                                 weights: 75, nonzeroWeights: 75)],
                                  heldWhole: ["fc3"], heldAtMinKeep: ["conv2"], cutToMinKeep: ["conv1"])), seed: 3),
        RunLogRecord(.prune(.init(method: "magnitude", granularity: "weights", scope: "global", requested: 0.5, sparsity: 0.5,
                                  paramSparsity: 0.5, params: 1000, nonzero: 500, flops: 2000, flopsEffective: 1000, speedup: 0,
                                  layers: [], heldWhole: nil, heldAtMinKeep: nil, cutToMinKeep: nil)), seed: 3),
        RunLogRecord(.save(.init(path: "models/a b.safetensors")), seed: 3),
        RunLogRecord(.export(.init(path: "models/a.onnx")), seed: 3),
        RunLogRecord(.rewind(.init(checkpoint: "init")), seed: 3),
        RunLogRecord(.interrupted(.init(signal: "SIGINT", during: "train")), seed: nil),
        RunLogRecord(.end(.init(status: "cancelled")), seed: nil),
        RunLogRecord(.end(.init(status: "completed")), seed: UInt64.max),
    ]

    /// Fails to compile when an event is added without a place here, so `samples` stays complete.
    static func kind(_ event: RunLogEvent) -> String {
        switch event {
        case .manifest, .data, .load, .epoch, .eval, .score, .prune, .save, .export, .rewind, .interrupted, .end: return event.name
        case .train(let t), .finetune(let t):
            switch t {
            case .completed: return event.name + " completed"
            case .stopped: return event.name + " stopped"
            }
        }
    }

    func testEveryEventRoundTrips() throws {
        for record in Self.samples {
            let line = try RunLogCodec.encode(record)
            XCTAssertFalse(line.contains("\n"), line)
            XCTAssertEqual(try RunLogCodec.decode(line: line), record, line)
        }
        let kinds = Set(Self.samples.map { Self.kind($0.event) })
        XCTAssertEqual(kinds, ["manifest", "data", "load", "epoch", "train completed", "finetune stopped", "eval", "score",
                               "prune", "save", "export", "rewind", "interrupted", "end"])
    }

    /// The line as a JSON object, changed by `edit`, decoded; returns the error's text.
    func problem(_ record: RunLogRecord, _ edit: (inout [String: Any]) -> Void) throws -> String {
        var object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(RunLogCodec.encode(record).utf8)) as? [String: Any])
        edit(&object)
        let line = String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        do {
            let decoded = try RunLogCodec.decode(line: line)
            XCTFail("\(line) was read as \(decoded)")
            return ""
        } catch let p as RunLogCodec.Problem {
            return p.description
        }
    }

    func testAMissingFieldIsNamed() throws {
        for record in Self.samples {
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(RunLogCodec.encode(record).utf8)) as? [String: Any])
            // Without `interrupted` a stopped training reads as a completed one, which misses other fields.
            for key in object.keys where key != "seed" && key != "interrupted" && !Self.optional.contains(key) {
                let text = try problem(record) { $0[key] = nil }
                XCTAssertTrue(text.contains("\"\(key)\""), "\(record.event.name) without \(key): \(text)")
            }
        }
        let nested = try problem(Self.samples[11]) { o in
            var h = o["histogram"] as! [String: Any]
            h["counts"] = nil
            o["histogram"] = h
        }
        XCTAssertTrue(nested.contains("missing field \"histogram.counts\""), nested)
    }

    /// Fields prn leaves out in some runs or older prn did not write.
    static let optional: Set<String> = ["variant", "options", "top5", "histogram", "partial", "batches", "batches_total",
                                        "held_whole", "held_at_min_keep", "cut_to_min_keep"]

    func testAnUnknownFieldIsNamed() throws {
        let top = try problem(Self.samples[9]) { $0["top1"] = 0.5 }
        XCTAssertTrue(top.contains("unknown field \"top1\" in a \"eval\" event"), top)
        let nested = try problem(Self.samples[13]) { o in
            var layers = o["layers"] as! [[String: Any]]
            layers[0]["depth"] = 3
            o["layers"] = layers
        }
        XCTAssertTrue(nested.contains("\"layers[0].depth\""), nested)
        let null = try problem(Self.samples[9]) { $0["top5"] = NSNull() }
        XCTAssertTrue(null.contains("\"top5\" is null"), null)
    }

    func testAWrongTypeIsNamed() throws {
        let text = try problem(Self.samples[2]) { $0["params"] = "many" }
        XCTAssertTrue(text.contains("\"params\" is not a whole number"), text)
        let flag = try problem(Self.samples[9]) { $0["accuracy"] = true }
        XCTAssertTrue(flag.contains("\"accuracy\" is not a number"), flag)
        let nested = try problem(Self.samples[11]) { o in
            var h = o["histogram"] as! [String: Any]
            h["counts"] = ["one"]
            o["histogram"] = h
        }
        XCTAssertTrue(nested.contains("\"histogram.counts[0]\""), nested)
    }

    func testAnUnknownEventIsNamed() throws {
        let text = try problem(Self.samples[16]) { $0["event"] = "teleport" }
        XCTAssertTrue(text.contains("unknown event \"teleport\""), text)
    }

    /// The reader adds the file and line to the codec's words.
    func testTheReaderNamesTheFileAndLine() throws {
        let good = try Self.samples.prefix(3).map(RunLogCodec.encode)
        for bad in [#"{"event":"end","seed":1}"#, #"{"event":"end","status":"completed","seed":1,"extra":2}"#,
                    #"{"event":"end","status":7,"seed":1}"#, #"{"event":"nothing","seed":1}"#] {
            let text = (good + [bad]).joined(separator: "\n") + "\n"
            XCTAssertThrowsError(try RunLogReader.parse(Data(text.utf8), path: "run.jsonl")) { error in
                XCTAssertTrue("\(error)".hasPrefix("run.jsonl:4: "), "\(error)")
            }
        }
    }

    /// Logs written by earlier prn (without `variant` or `options`) still read, and every log
    /// in the repository's results does.
    func testCommittedResultLogsRead() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let results = root.appendingPathComponent("results")
        let files = (FileManager.default.enumerator(at: results, includingPropertiesForKeys: nil)?.allObjects as? [URL] ?? [])
            .filter { $0.pathExtension == "jsonl" }
        XCTAssertFalse(files.isEmpty, "no run logs under \(results.lastPathComponent)")
        for file in files {
            XCTAssertNoThrow(try RunLogReader.read(file.path))
        }
        let old = #"{"architecture":"{}","event":"load","flops":2,"model":"lenet300","params":1,"seed":0}"#
        guard case .load(let l) = try RunLogCodec.decode(line: old).event else { return XCTFail() }
        XCTAssertNil(l.variant)
    }

    /// What a session writes to its log file is what the reader reads back.
    func testASessionsLogReadsBackAsItsEvents() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("prn-codec-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = try RunLog(url: dir.appendingPathComponent("run.jsonl"),
                             manifest: RunLog.manifest(scriptName: "s.prn", scriptText: "", seed: 0))
        for record in Self.samples.dropFirst() { try log.append(record) }
        let text = try String(contentsOf: log.url, encoding: .utf8)
        let lines = text.split(separator: "\n").map(String.init)
        XCTAssertEqual(try lines.map { try RunLogCodec.decode(line: $0) }, [log.manifest] + Self.samples.dropFirst())
    }
}

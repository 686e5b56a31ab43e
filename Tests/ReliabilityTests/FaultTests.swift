import Engine
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Faults during long work: a kill in the middle of a save, Ctrl-C / SIGTERM during training,
/// and training that diverges.
final class FaultTests: XCTestCase {
    /// SIGKILL while `save` streams a large model over an existing file: the old file must stay
    /// byte-for-byte intact and loadable (saves go to a temporary file renamed into place).
    func testKillDuringSaveLeavesThePreviousFileIntact() throws {
        let folder = try TemporaryFolder("kill-save")
        try DataFixtures.mnist(in: folder)
        let env = ["PRN_DATA": folder.path("data").path]
        try folder.write("first.prn", text: "seed 1\ndata mnist\nload lenet300\nsave \"model.safetensors\"\n")
        let first = try PrnProcess.run(["run", "first.prn"], in: folder.url, environment: env, timeout: 120)
        XCTAssertEqual(first.status, 0, first.summary)
        let target = folder.path("model.safetensors")
        let before = try Data(contentsOf: target)

        // vgg16 at width 2 is ~60M parameters: a ~240 MB file takes long enough to write.
        try folder.write("second.prn", text: "seed 2\ndata mnist\nload vgg16 width=2\nsave \"model.safetensors\"\n")
        let second = try PrnProcess(["run", "second.prn"], in: folder.url, environment: env)
        var sawTemporary = false
        let deadline = Date().addingTimeInterval(300)
        while Date() < deadline {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.url.path)) ?? []
            if let tmp = names.first(where: { $0.hasPrefix(".model.safetensors.") && $0.hasSuffix(".tmp") }),
               let size = (try? FileManager.default.attributesOfItem(atPath: folder.path(tmp).path))?[.size] as? Int, size > 1 << 20 {
                sawTemporary = true
                kill(second.pid, SIGKILL)
                break
            }
            if !second.process.isRunning { break }
            usleep(2_000)
        }
        let outcome = second.wait(timeout: 30)
        XCTAssertTrue(sawTemporary, "the save never started writing (or finished before it could be interrupted): \(outcome.summary)")
        XCTAssertTrue(outcome.signalled, "prn was expected to die of SIGKILL: \(outcome.summary)")
        XCTAssertEqual(try Data(contentsOf: target), before, "the previous model file changed")
        let (model, _) = try ModelFile.load(from: target)
        XCTAssertEqual(model.parameterCount, 266_610, "the intact file is the LeNet-300-100 saved first")

        // And prn itself still loads and evaluates it.
        try folder.write("third.prn", text: "data mnist\nload \"model.safetensors\"\neval\n")
        let third = try PrnProcess.run(["run", "third.prn"], in: folder.url, environment: env, timeout: 120)
        XCTAssertEqual(third.status, 0, third.summary)
    }

    func testInterruptDuringTrainingKeepsTheLogAndExits130() throws {
        try interruptDuringTraining(SIGINT)
    }

    func testTerminateDuringTrainingKeepsTheLogAndExits143() throws {
        try interruptDuringTraining(SIGTERM)
    }

    private func interruptDuringTraining(_ signalNumber: Int32) throws {
        let folder = try TemporaryFolder("interrupt")
        try DataFixtures.mnist(in: folder, train: 512, test: 64)
        try folder.write("long.prn", text: "seed 1\ndata mnist\nload lenet300\ntrain epochs=100000 batch=32\nprint \"not reached\"\n")
        let log = folder.path("run.jsonl")
        let run = try PrnProcess(["run", "long.prn", "--log", log.path], in: folder.url,
                                 environment: ["PRN_DATA": folder.path("data").path])
        // Interrupt once at least two epochs are in the log, i.e. well inside the training.
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, run.process.isRunning {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if text.components(separatedBy: "\"event\":\"epoch\"").count > 2 { break }
            usleep(20_000)
        }
        kill(run.pid, signalNumber)
        let outcome = run.wait(timeout: 60)
        XCTAssertFalse(outcome.timedOut, "prn did not stop after the signal: \(outcome.summary)")
        XCTAssertFalse(outcome.signalled, outcome.summary)
        XCTAssertEqual(outcome.status, 128 + signalNumber, outcome.summary)
        XCTAssertFalse(outcome.stdout.contains("not reached"))

        let lines = try String(contentsOf: log, encoding: .utf8).split(separator: "\n")
        let events = try lines.map { line -> [String: Any] in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
            return try XCTUnwrap(object as? [String: Any], "log line is not a JSON object: \(line)")
        }
        XCTAssertEqual(events.first?["event"] as? String, "manifest")
        let epochs = events.filter { $0["event"] as? String == "epoch" }
        XCTAssertGreaterThanOrEqual(epochs.count, 2)
        XCTAssertTrue(epochs.allSatisfy { ($0["loss"] as? Double)?.isFinite == true })
        XCTAssertTrue(events.contains { $0["event"] as? String == "train" && $0["interrupted"] as? Bool == true },
                      "the log does not record the interrupted train")
        XCTAssertEqual(events.last?["event"] as? String, "end", "the log was not closed by an end event")
    }

    /// The binary: divergence stops the script with an error naming the epoch and the batch.
    func testDivergenceStopsTheRunNamingEpochAndBatch() throws {
        let folder = try TemporaryFolder("diverge")
        try DataFixtures.mnist(in: folder, train: 256, test: 32)
        try folder.write("diverge.prn", text: "seed 1\ndata mnist\nload lenet300\ntrain epochs=3 lr=100 momentum=0.99 batch=32\nprint \"not reached\"\n")
        let outcome = try PrnProcess.run(["run", "diverge.prn"], in: folder.url,
                                         environment: ["PRN_DATA": folder.path("data").path], timeout: 120)
        XCTAssertEqual(outcome.status, 70, outcome.summary)
        XCTAssertFalse(outcome.signalled)
        XCTAssertTrue(outcome.stderr.range(of: #"diverged at epoch \d+, batch \d+"#, options: .regularExpression) != nil, outcome.summary)
        XCTAssertTrue(outcome.stderr.contains("diverge.prn:4"), outcome.summary)
        XCTAssertTrue(outcome.stderr.contains("restored"), outcome.summary)
    }

    /// The engine: after divergence the weights are finite and equal to those at the end of the
    /// last epoch that finished cleanly (or the initial ones if the first epoch diverged).
    func testDivergenceRestoresTheLastGoodWeights() throws {
        let data = try SyntheticData.make(.init(trainCount: 256, testCount: 32, classes: 4, sampleShape: [16]), seed: 3).train
        let model = try Zoo.build("mlp", ZooOptions(inputShape: [16], classes: 4, hidden: [32], seed: 1))
        func values() -> [[Float]] { model.parameters.map { Array(UnsafeBufferPointer(start: $0.value.data, count: $0.value.count)) } }
        var afterEpoch = [values()]
        var options = TrainOptions()
        options.epochs = 20
        options.learningRate = 30
        options.momentum = 0.99
        options.batchSize = 16
        let trainer = Trainer(model: model, options: options)
        trainer.onEpoch = { _ in afterEpoch.append(values()) }
        do {
            _ = try trainer.run(on: data)
            XCTFail("training with lr=30 and momentum 0.99 was expected to diverge")
        } catch let diverged as TrainingDiverged {
            XCTAssertGreaterThanOrEqual(diverged.epoch, 1)
            XCTAssertGreaterThanOrEqual(diverged.batch, 1)
            XCTAssertTrue(model.parameters.allSatisfy { $0.value.allFinite })
            XCTAssertEqual(values(), afterEpoch[diverged.epoch - 1], "weights are not those of epoch \(diverged.epoch - 1)")
        }
    }
}

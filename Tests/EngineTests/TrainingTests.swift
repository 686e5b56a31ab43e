import XCTest
@testable import Engine

final class TrainingTests: XCTestCase {
    func synthetic(_ shape: [Int] = [1, 16, 16]) throws -> (train: Dataset, test: Dataset) {
        try SyntheticData.make(.init(trainCount: 512, testCount: 128, classes: 4, sampleShape: shape), seed: 5)
    }

    func train(_ seed: UInt64, epochs: Int = 2) throws -> ([Double], Model) {
        let data = try synthetic()
        let m = try Zoo.build("lenet5", ZooOptions(inputShape: [1, 16, 16], classes: 4, seed: seed))
        var o = TrainOptions()
        o.epochs = epochs; o.batchSize = 32; o.learningRate = 0.05; o.seed = seed
        let r = try Trainer(model: m, options: o).run(on: data.train)
        return (r.epochs.map(\.loss), m)
    }

    func testSameSeedGivesIdenticalLossSequence() throws {
        let (a, ma) = try train(11)
        let (b, mb) = try train(11)
        XCTAssertEqual(a, b, "bitwise identical losses")
        for (p, q) in zip(ma.parameters, mb.parameters) { XCTAssertEqual(p.value.array, q.value.array, p.name) }
        let (c, _) = try train(12)
        XCTAssertNotEqual(a, c, "another seed gives another run")
    }

    func testTrainingLearnsSyntheticClusters() throws {
        let data = try synthetic([16])
        let m = try Zoo.build("mlp", ZooOptions(inputShape: [16], classes: 4, hidden: [32], seed: 1))
        let before = try Evaluator.evaluate(m, on: data.test).top1
        var o = TrainOptions()
        o.epochs = 5; o.batchSize = 32; o.learningRate = 0.05
        _ = try Trainer(model: m, options: o).run(on: data.train)
        let after = try Evaluator.evaluate(m, on: data.test)
        XCTAssertGreaterThan(after.top1, 0.9)
        XCTAssertGreaterThan(after.top1, before + 0.2)
        XCTAssertNil(after.top5, "top-5 is only reported with 10+ classes")
    }

    func testDivergenceStopsAndRestoresLastGoodWeights() throws {
        let data = try synthetic([16])
        let m = try Zoo.build("mlp", ZooOptions(inputShape: [16], classes: 4, hidden: [32], seed: 1))
        let before = m.parameters.map { $0.value.array }
        var o = TrainOptions()
        o.epochs = 3; o.learningRate = 1e30; o.momentum = 0
        XCTAssertThrowsError(try Trainer(model: m, options: o).run(on: data.train)) { e in
            guard let d = e as? TrainingDiverged else { return XCTFail("\(e)") }
            XCTAssertEqual(d.epoch, 1)
            XCTAssertTrue(d.description.contains("epoch 1, batch"))
        }
        XCTAssertEqual(m.parameters.map { $0.value.array }, before, "weights of the last good state are back")
    }

    func testStopRequestEndsAtBatchBoundary() throws {
        let data = try synthetic([16])
        let m = try Zoo.build("mlp", ZooOptions(inputShape: [16], classes: 4, hidden: [32], seed: 1))
        var o = TrainOptions()
        o.epochs = 5; o.batchSize = 16
        let t = Trainer(model: m, options: o)
        var batches = 0
        t.onProgress = { _ in batches += 1 }
        t.shouldStop = { batches >= 3 }
        let r = try t.run(on: data.train)
        XCTAssertTrue(r.interrupted)
        XCTAssertEqual(batches, 3)
    }

    func testModelFileRoundTripReproducesOutputs() throws {
        let (_, m) = try train(3, epochs: 1)
        m.parameters[0].mask = Tensor(shape: m.parameters[0].value.shape, repeating: 1)
        m.parameters[0].mask![0] = 0
        m.applyMasks()
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("prn-model-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try ModelFile.save(m, to: url)
        let (loaded, meta) = try ModelFile.load(from: url)
        XCTAssertEqual(meta[ModelFile.formatKey], "prn-model-1")
        XCTAssertEqual(loaded.parameters[0].mask?.array, m.parameters[0].mask?.array)
        var rng = RandomStream(seed: 9)
        let x = GradCheck.randomTensor([4, 1, 16, 16], &rng)
        XCTAssertEqual(m.forward(x, mode: .eval).array, loaded.forward(x, mode: .eval).array)
    }

    func testModelFileErrorsNameTheProblem() throws {
        let (_, m) = try train(3, epochs: 1)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("prn-model-\(UUID()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        // Weights without architecture metadata.
        try SafetensorsFile.write(tensors: m.parameters.map { ($0.name, $0.value) }, metadata: [:], to: url)
        XCTAssertThrowsError(try ModelFile.load(from: url)) { XCTAssertTrue("\($0)".contains("prn.architecture")) }
        // A tensor of the wrong shape.
        var tensors = m.parameters.map { ($0.name, $0.value) }
        tensors[0].1 = Tensor(shape: [1])
        try SafetensorsFile.write(tensors: tensors, metadata: [ModelFile.architectureKey: Architecture(of: m).json()], to: url)
        XCTAssertThrowsError(try ModelFile.load(from: url)) { error in
            XCTAssertTrue("\(error)".contains(m.parameters[0].name))
            XCTAssertEqual(error as? ModelFileError, .tensorShape(path: url.path, tensor: m.parameters[0].name,
                                                                 expected: m.parameters[0].value.shape, actual: [1]))
        }
    }
}

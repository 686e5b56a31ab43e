import Engine
import Pruning
import XCTest

/// `ModelSnapshot.rewind`: the captured values come back, the masks pruning set stay.
final class RewindTests: XCTestCase {
    func testRewindTakesTheCheckpointsValuesAndKeepsTheCurrentMasks() throws {
        let input = [1, 12, 12]
        let model = try Fixtures.model("mlp", input: input, width: 0.25)
        let initial = ModelSnapshot(model)
        let start = Dictionary(uniqueKeysWithValues: model.parameters.map { ($0.name, $0.value.array) })
        var o = TrainOptions(); o.epochs = 1; o.batchSize = 16; o.learningRate = 0.05
        _ = try Trainer(model: model, options: o).run(on: try Fixtures.data(input))
        try Pruner.prune(model, scores: try MagnitudeScorer().score(model, data: nil, options: ScoreOptions()),
                         request: PruneRequest(amount: .ratio(0.6)))
        let masks = Dictionary(uniqueKeysWithValues: model.parameters.compactMap { p in p.mask.map { (p.name, $0.array) } })
        XCTAssertFalse(masks.isEmpty)

        try initial.rewind(model)
        for p in model.parameters {
            let original = try XCTUnwrap(start[p.name])
            if let mask = masks[p.name] {
                XCTAssertEqual(p.mask?.array, mask, "\(p.name): the mask must stay")
                XCTAssertEqual(p.value.array, zip(original, mask).map { $0 * $1 }, "\(p.name): kept weights at their initial values, pruned ones zero")
            } else {
                XCTAssertEqual(p.value.array, original, p.name)
            }
        }
        // The initial network had no masks: a plain restore would have dropped them.
        XCTAssertTrue(try initial.makeModel().parameters.allSatisfy { $0.mask == nil })
    }

    func testRewindAfterSurgeryIsRefusedWithTheShapes() throws {
        let input = [1, 28, 28]
        let model = try Fixtures.model("lenet5", input: input)
        let initial = ModelSnapshot(model)
        let scores = try MagnitudeScorer().score(model, data: nil, options: ScoreOptions(granularity: .channels))
        try Pruner.prune(model, scores: scores, request: PruneRequest(amount: .ratio(0.5)))
        XCTAssertThrowsError(try initial.rewind(model)) { error in
            XCTAssertTrue("\(error)".contains("rewinding keeps masks"), "\(error)")
        }
    }
}

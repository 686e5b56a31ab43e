import Engine
import Foundation
import ONNX
import XCTest

/// Export then import inside prn: same graph, same names, same logits.
final class ONNXRoundTripTests: XCTestCase {
    func testEveryFixtureRoundTripsWithSameLogitsAndNames() throws {
        for c in try ModelFixtures.all() {
            let bytes = try ONNXExport.data(c.model)
            let back = try ONNXImport.model(from: bytes, source: c.label)
            let x = ModelFixtures.input(c.inputShape, batch: 4)
            let diff = maxAbsDifference(ModelFixtures.logits(c.model, x), ModelFixtures.logits(back, x))
            XCTAssertLessThanOrEqual(diff, 1e-4, "\(c.label): logits differ after export and import")
            XCTAssertEqual(back.inputShape, c.model.inputShape, c.label)
            XCTAssertEqual(back.classes, 10, c.label)
            // Weight names survive (sigmoid BN comes back as a standard BN with the gates as scale).
            let names = Set(back.parameters.map(\.name))
            for p in c.model.parameters where p.role == .weight {
                XCTAssertTrue(names.contains(p.name), "\(c.label): parameter \(p.name) lost its name")
            }
        }
    }

    func testChannelPrunedModelExportsAtItsReducedSize() throws {
        let dense = try ModelFixtures.build("vgg-small", [3, 32, 32], width: 0.25)
        let pruned = try ModelFixtures.channelPruned(ModelFixtures.build("vgg-small", [3, 32, 32], width: 0.25), ratio: 0.5)
        let a = try ONNXImport.model(from: ONNXExport.data(dense), source: "dense")
        let b = try ONNXImport.model(from: ONNXExport.data(pruned), source: "pruned")
        XCTAssertEqual(b.parameterCount, pruned.parameterCount)
        XCTAssertLessThan(b.parameterCount, a.parameterCount * 3 / 4)
    }

    func testMaskedWeightsAreWrittenAsTheirEffectiveValues() throws {
        let m = try ModelFixtures.masked(ModelFixtures.build("lenet300", [1, 28, 28]), ratio: 0.9)
        // Put a nonzero value under a zero mask entry: the export must still write zero there.
        let w = try XCTUnwrap(m.parameter(named: "1.weight"))
        let mask = try XCTUnwrap(w.mask)
        let hidden = try XCTUnwrap((0..<mask.count).first { mask[$0] == 0 })
        w.value[hidden] = 3
        let back = try ONNXImport.model(from: ONNXExport.data(m), source: "masked")
        XCTAssertEqual(back.parameter(named: "1.weight")?.value[hidden], 0)
    }
}

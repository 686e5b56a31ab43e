import Engine
import Pruning
import XCTest

/// How dependency groups treat layer norms (sliced with the channels they normalise, or passed
/// through when each channel is normalised alone) and softmax (its inputs kept), with the
/// surgery that follows.
final class NormSoftmaxStructureTests: XCTestCase {
    private func model(_ build: (Model, inout RandomStream) -> Void, input: [Int]) -> Model {
        let m = Model(inputShape: input, classes: 3)
        var rng = RandomStream(seed: 21)
        build(m, &rng)
        return m
    }

    func testLayerNormOverFeaturesIsSlicedWithItsProducer() throws {
        let m = model({ m, rng in
            let a = Linear(5, 8), b = Linear(8, 3)
            a.initialize(&rng); b.initialize(&rng)
            _ = m.add("fc1", a)
            _ = m.add("ln", LayerNorm([8]))
            _ = m.add("act", ReLU())
            _ = m.add("fc2", b)
            _ = m.add("probs", Softmax())
        }, input: [5])
        let structure = try StructureAnalysis(m)
        let fc1 = try XCTUnwrap(structure.group(named: "fc1"))
        XCTAssertEqual(fc1.followerNames, ["ln"])
        XCTAssertEqual(fc1.consumers.map(\.name), ["fc2"])
        let fc2 = try XCTUnwrap(structure.fixed.first { $0.name == "fc2" })
        XCTAssertTrue(fc2.reachesOutput && fc2.reason.hasPrefix("output"), fc2.reason)
        var keep = KeepSet(granularity: .neurons)
        keep.units["fc1"] = [0, 2, 3, 7]
        let ln = try XCTUnwrap(m.nodes[2].layer as? LayerNorm)
        for i in 0..<8 { ln.weight.value[i] = Float(i) }
        try Surgery.apply(keep, to: m, structure: structure)
        XCTAssertEqual(ln.normalizedShape, [4])
        XCTAssertEqual(ln.weight.value.array, [0, 2, 3, 7])
        XCTAssertEqual(try m.shapes().last, [3])
        let y = m.forward(Fixtures.batch([5], 2), mode: .eval).array
        XCTAssertEqual(y.count, 6)
        XCTAssertEqual(y[0] + y[1] + y[2], 1, accuracy: 1e-5)
    }

    func testLayerNormsOverImagesSliceOrPassChannels() throws {
        let m = model({ m, rng in
            let a = Conv2d(2, 6, kernel: 3, padding: 1), b = Conv2d(6, 4, kernel: 3, padding: 1), fc = Linear(4, 3)
            a.initialize(&rng); b.initialize(&rng); fc.initialize(&rng)
            _ = m.add("conv1", a)
            _ = m.add("ln1", LayerNorm([6, 9, 13]))
            _ = m.add("pool", AvgPool2d(kernel: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: true))
            _ = m.add("conv2", b)
            _ = m.add("ln2", LayerNorm([7]))
            _ = m.add("gap", GlobalAvgPool())
            _ = m.add("fc", fc)
        }, input: [2, 9, 13])
        let structure = try StructureAnalysis(m)
        XCTAssertEqual(structure.fixed.map(\.name), ["fc"])
        XCTAssertEqual(structure.group(named: "conv1")?.followerNames, ["ln1"])
        XCTAssertEqual(structure.group(named: "conv1")?.consumers.map(\.name), ["conv2"])
        XCTAssertEqual(structure.group(named: "conv2")?.consumers.map(\.name), ["fc"])
        var keep = KeepSet(granularity: .channels)
        keep.units["conv1"] = [1, 4, 5]
        keep.units["conv2"] = [0, 3]
        try Surgery.apply(keep, to: m, structure: structure)
        XCTAssertEqual((m.nodes[2].layer as? LayerNorm)?.normalizedShape, [3, 9, 13])
        XCTAssertEqual((m.nodes[5].layer as? LayerNorm)?.normalizedShape, [7])
        XCTAssertEqual(m.forward(Fixtures.batch([2, 9, 13], 2), mode: .eval).shape, [2, 3])
    }
}

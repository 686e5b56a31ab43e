import Engine
import Pruning
import XCTest

final class StructureTests: XCTestCase {
    func testResNet20InnerChannelsArePrunableAndOuterChannelsAreReportedTied() throws {
        let model = try Fixtures.model("resnet20", input: [3, 16, 16])
        let s = try StructureAnalysis(model)
        let groups = s.groups(.channels)
        XCTAssertEqual(groups.count, 9, "one inner channel per basic block")
        for g in groups {
            XCTAssertTrue(g.name.hasSuffix(".conv1") && g.name.hasPrefix("layer"), g.name)
            let prefix = String(g.name.dropLast("conv1".count))
            XCTAssertEqual(g.followerNames, [prefix + "bn1"])
            XCTAssertEqual(g.consumers.map(\.name), [prefix + "conv2"])
            XCTAssertEqual(g.consumers.map(\.block), [1])
        }
        let fixedNames = Set(s.fixed.map(\.name))
        XCTAssertTrue(fixedNames.contains("conv1"))
        XCTAssertTrue(fixedNames.contains("layer1.0.conv2"))
        XCTAssertTrue(fixedNames.contains("layer3.2.conv2"))
        XCTAssertTrue(fixedNames.contains("linear"))
        for f in s.fixed where f.name.hasSuffix("conv2") || f.name == "conv1" {
            XCTAssertTrue(f.reason.contains("residual"), f.reason)
            XCTAssertFalse(f.joins.isEmpty)
        }
        XCTAssertTrue(s.fixed.first { $0.name == "linear" }?.reason.contains("classes") ?? false)
        XCTAssertTrue(s.groups(.neurons).isEmpty, "the classifier is the only dense layer and is never pruned")
    }

    /// Elementwise activations keep channels apart, so channels before them stay prunable; a
    /// channel concat is not understood and fixes its producers.
    func testElementwiseActivationsPassChannelsThrough() throws {
        let model = Model(inputShape: [2, 6, 6], classes: 3)
        _ = model.add("conv1", Conv2d(2, 4, kernel: 3, padding: 1))
        _ = model.add("act1", SiLU())
        _ = model.add("conv2", Conv2d(4, 4, kernel: 3, padding: 1))
        _ = model.add("act2", HardSwish())
        let conv3 = model.add("conv3", Conv2d(4, 4, kernel: 1))
        let conv4 = model.add("conv4", Conv2d(4, 4, kernel: 1), inputs: [conv3 - 1])
        _ = model.add("cat", ConcatChannels(), inputs: [conv3, conv4])
        _ = model.add("pool", GlobalAvgPool())
        _ = model.add("fc", Linear(8, 3))
        let s = try StructureAnalysis(model)
        XCTAssertEqual(s.groups(.channels).map(\.name).sorted(), ["conv1", "conv2"])
        XCTAssertEqual(s.group(named: "conv1")?.consumers.map(\.name), ["conv2"])
        XCTAssertTrue(s.fixed.first { $0.name == "conv3" }?.reason.contains("not understood") ?? false, "\(s.fixed)")
    }

    func testLeNet5FlattenGivesEachChannelABlockOfColumns() throws {
        let model = try Fixtures.model("lenet5", input: [1, 28, 28])
        let s = try StructureAnalysis(model)
        let conv2 = try XCTUnwrap(s.groups(.channels).first { $0.name == "3" })
        XCTAssertEqual(conv2.units, 16)
        XCTAssertEqual(conv2.consumers.count, 1)
        XCTAssertEqual(conv2.consumers[0].name, "7")
        XCTAssertEqual(conv2.consumers[0].block, 25, "16 channels of 5x5 after the second pool")
        let conv1 = try XCTUnwrap(s.group(named: "0"))
        XCTAssertEqual(conv1.consumers.map(\.name), ["3"])
        XCTAssertEqual(conv1.consumers[0].block, 1)
        XCTAssertEqual(s.groups(.neurons).map(\.name), ["7", "9"], "two hidden dense layers; the output layer is fixed")
        XCTAssertEqual(s.fixed.map(\.name), ["11"])
    }

    func testVGGGroupsIncludeBatchNormFollowersAndClassifierBlocks() throws {
        let model = try Fixtures.model("vgg-small", input: [3, 16, 16], width: 0.25)
        let s = try StructureAnalysis(model)
        let convs = s.groups(.channels)
        XCTAssertEqual(convs.count, 6)
        XCTAssertTrue(convs.allSatisfy { $0.followers.count == 1 })
        let last = try XCTUnwrap(convs.last)
        XCTAssertEqual(last.consumers.count, 1)
        XCTAssertEqual(last.consumers[0].block, 4, "2x2 feature maps after three pools of a 16x16 image")
        XCTAssertEqual(s.fixed.count, 1)
    }

    func testRequireGroupsNamesTheGranularityThatExists() throws {
        let model = try Fixtures.model("mlp", input: [1, 12, 12], width: 0.25)
        let s = try StructureAnalysis(model)
        XCTAssertThrowsError(try s.requireGroups(.channels)) { error in
            XCTAssertTrue("\(error)".contains("granularity=neurons"), "\(error)")
        }
        XCTAssertEqual(try s.requireGroups(.neurons).count, 2)
    }
}

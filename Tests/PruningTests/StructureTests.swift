import Engine
import Pruning
import XCTest

final class StructureTests: XCTestCase {
    /// The stem and every block's second convolution are summed by the residual adds; the
    /// option-A shortcuts pad a stage's channels into the next, so all of them form one group,
    /// while each block's inner channel (conv1/bn1) is a group of its own.
    func testResNet20OuterChannelsFormOneCoupledGroup() throws {
        let model = try Fixtures.model("resnet20", input: [3, 16, 16])
        let s = try StructureAnalysis(model)
        XCTAssertEqual(s.groups(.channels).count, 19, "the stem, nine conv1 and nine conv2 are all prunable")
        XCTAssertEqual(s.fixed.map(\.name), ["linear"])
        XCTAssertTrue(s.fixed[0].reachesOutput)
        let outer = try XCTUnwrap(s.channelGroup(named: "conv1"))
        XCTAssertEqual(outer.members, ["conv1"] + (1...3).flatMap { st in (0..<3).map { "layer\(st).\($0).conv2" } })
        XCTAssertEqual(outer.units, 64, "stage 3's 64 channels hold stage 2's 32 and stage 1's 16")
        XCTAssertTrue(outer.prunable.allSatisfy { $0 })
        XCTAssertEqual(outer.channelOf["conv1"], Array(0..<16))
        XCTAssertEqual(outer.channelOf["layer1.2.conv2"], Array(0..<16))
        // Stage 2 pads 8 channels before stage 1's 16: its channels 8..<24 are stage 1's.
        XCTAssertEqual(outer.channelOf["layer2.0.conv2"].map { Array($0[8..<24]) }, Array(0..<16))
        XCTAssertTrue(outer.joins.contains("layer1.0.add") && outer.joins.contains("layer2.0.shortcut"), "\(outer.joins)")
        for b in (1...3).flatMap({ st in (0..<3).map { "layer\(st).\($0)." } }) {
            let inner = try XCTUnwrap(s.channelGroup(named: b + "conv1"))
            XCTAssertEqual(inner.members, [b + "conv1"])
            XCTAssertFalse(inner.isCoupled, b)
            let g = try XCTUnwrap(s.group(named: b + "conv1"))
            XCTAssertEqual(g.followerNames, [b + "bn1"])
            XCTAssertEqual(g.consumers.map(\.name), [b + "conv2"])
        }
        XCTAssertEqual(s.group(named: "layer1.0.conv2")?.followerNames, ["layer1.0.bn2"])
        XCTAssertTrue(s.groups(.neurons).isEmpty, "the classifier is the only dense layer and is never pruned")
        let keepWhole = try StructureAnalysis(model, keepCoupled: true)
        XCTAssertEqual(keepWhole.groups(.channels).count, 9, "keep_coupled leaves the residual stream whole")
        XCTAssertTrue(keepWhole.fixed.contains { $0.name == "layer2.1.conv2" && $0.reason.contains("keep_coupled") })
    }

    /// Elementwise activations keep channels apart, so channels before them stay prunable; a
    /// channel concat places each input's channels at an offset of its output.
    func testElementwiseActivationsAndConcatenationsPassChannelsThrough() throws {
        let model = Model(inputShape: [2, 6, 6], classes: 3)
        _ = model.add("conv1", Conv2d(2, 4, kernel: 3, padding: 1))
        _ = model.add("act1", SiLU())
        _ = model.add("conv2", Conv2d(4, 4, kernel: 3, padding: 1))
        _ = model.add("act2", HardSwish())
        let conv3 = model.add("conv3", Conv2d(4, 4, kernel: 1))
        let conv4 = model.add("conv4", Conv2d(4, 3, kernel: 1), inputs: [conv3 - 1])
        let cat = model.add("cat", ConcatChannels(), inputs: [conv3, conv4])
        _ = model.add("pool", GlobalAvgPool())
        _ = model.add("fc", Linear(7, 3))
        let s = try StructureAnalysis(model)
        XCTAssertEqual(s.groups(.channels).map(\.name), ["conv1", "conv2", "conv3", "conv4"])
        XCTAssertEqual(s.group(named: "conv1")?.consumers.map(\.name), ["conv2"])
        XCTAssertEqual(s.fixed.map(\.name), ["fc"])
        XCTAssertEqual(s.channels(atNode: cat), (0..<4).map { GroupChannel(group: "conv3", channel: $0) }
                       + (0..<3).map { GroupChannel(group: "conv4", channel: $0) })
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

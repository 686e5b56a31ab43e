import Engine
import Pruning
import XCTest

/// Channels tied through residual adds, option-A shortcuts, depthwise convolutions and
/// concatenations are pruned as dependency groups: nothing is left whole, every layer holding a
/// group's channels shrinks with it, and the pruned model computes what the dense one did with
/// those channels silenced.
final class DependencyGroupTests: XCTestCase {
    /// A MobileNetV2 block (expand, depthwise, project, residual add onto the stem) followed by a
    /// SqueezeNet fire module (squeeze, two expands concatenated) and a classifier.
    static func mobileFire(seed: UInt64 = 3) -> Model {
        var rng = RandomStream(seed: seed, stream: "test.mobilefire")
        let m = Model(inputShape: [3, 8, 8], classes: 3)
        func conv(_ name: String, _ cin: Int, _ cout: Int, _ k: Int, inputs: [Int]? = nil) -> Int {
            let c = Conv2d(cin, cout, kernel: k, padding: k / 2)
            c.initialize(&rng)
            return m.add(name, c, inputs: inputs)
        }
        _ = conv("stem", 3, 8, 3)
        _ = m.add("stem.bn", BatchNorm(8))
        let stem = m.add("stem.relu", ReLU())
        _ = conv("expand", 8, 12, 1)
        _ = m.add("expand.bn", BatchNorm(12))
        _ = m.add("expand.relu6", Clip(min: 0, max: 6))
        let dw = GeneralConv2d(12, 12, kernel: (3, 3), padding: (1, 1), groups: 12)
        dw.initialize(&rng)
        _ = m.add("dw", dw)
        _ = m.add("dw.bn", BatchNorm(12))
        _ = m.add("dw.relu6", Clip(min: 0, max: 6))
        _ = conv("project", 12, 8, 1)
        let project = m.add("project.bn", BatchNorm(8))
        _ = m.add("add", Add(), inputs: [project, stem])
        _ = conv("squeeze", 8, 4, 1)
        let squeeze = m.add("squeeze.relu", ReLU())
        _ = conv("e1", 4, 6, 1, inputs: [squeeze])
        let e1 = m.add("e1.relu", ReLU())
        _ = conv("e3", 4, 5, 3, inputs: [squeeze])
        let e3 = m.add("e3.relu", ReLU())
        _ = m.add("cat", ConcatChannels(), inputs: [e1, e3])
        _ = conv("head", 11, 6, 1)
        _ = m.add("head.relu", ReLU())
        _ = m.add("pool", GlobalAvgPool())
        _ = m.add("flatten", Flatten())
        let fc = Linear(6, 3)
        fc.initialize(&rng)
        _ = m.add("fc", fc)
        return m
    }

    /// A MobileNetV3 block with squeeze-excite: stem, depthwise, then the map times a gate
    /// computed from its mean (reduce and expand 1x1 convolutions with bias), project, classifier.
    static func squeezeExcite(seed: UInt64 = 4) -> Model {
        var rng = RandomStream(seed: seed, stream: "test.se")
        let m = Model(inputShape: [3, 8, 8], classes: 3)
        func conv(_ name: String, _ cin: Int, _ cout: Int, _ k: Int, bias: Bool = false, inputs: [Int]? = nil) -> Int {
            let c = Conv2d(cin, cout, kernel: k, padding: k / 2, bias: bias)
            c.initialize(&rng)
            if let b = c.bias { for i in 0..<cout { b.value[i] = Float(i % 3) * 0.1 - 0.1 } }
            return m.add(name, c, inputs: inputs)
        }
        _ = conv("stem", 3, 8, 3)
        _ = m.add("stem.bn", BatchNorm(8))
        _ = m.add("stem.act", HardSwish())
        let dw = GeneralConv2d(8, 8, kernel: (3, 3), padding: (1, 1), groups: 8)
        dw.initialize(&rng)
        _ = m.add("dw", dw)
        _ = m.add("dw.bn", BatchNorm(8))
        let x = m.add("dw.relu", ReLU())
        _ = m.add("se.pool", GlobalAvgPool(keepDims: true))
        _ = conv("se.reduce", 8, 4, 1, bias: true)
        _ = m.add("se.relu", ReLU())
        _ = conv("se.expand", 4, 8, 1, bias: true)
        let gate = m.add("se.gate", HardSigmoid(alpha: 1.0 / 6, beta: 0.5))
        _ = m.add("se.mul", Multiply(), inputs: [x, gate])
        _ = conv("project", 8, 6, 1)
        _ = m.add("project.bn", BatchNorm(6))
        _ = m.add("pool", GlobalAvgPool(keepDims: true))
        _ = conv("head", 6, 10, 1, bias: true)
        _ = m.add("head.act", HardSwish())
        _ = m.add("flatten", Flatten())
        let fc = Linear(10, 3)
        fc.initialize(&rng)
        _ = m.add("fc", fc)
        return m
    }

    /// Makes the removed group channels output exactly zero in the dense model: producer rows and
    /// biases zero, and every batch norm carrying them zero scale and shift.
    private func silence(_ model: Model, _ s: StructureAnalysis, _ removed: Set<GroupChannel>) {
        for g in s.groups {
            guard let cg = s.channelGroup(named: g.group), let channels = cg.channelOf[g.name],
                  let (w, b) = PrunableWeights.producerWeight(model, g) else { continue }
            let fan = w.value.count / g.units
            for u in 0..<g.units where removed.contains(GroupChannel(group: cg.name, channel: channels[u])) {
                for i in 0..<fan { w.value[u * fan + i] = 0 }
                b?.value[u] = 0
            }
        }
        for n in model.nodes.indices {
            guard let bn = model.nodes[n].layer as? BatchNorm else { continue }
            for (c, place) in s.channels(atNode: n).enumerated() where place.map(removed.contains) == true {
                bn.weight.value[c] = 0
                bn.bias.value[c] = 0
            }
        }
    }

    /// Removes every third channel of every group by surgery and compares with silencing them.
    private func checkEquivalence(_ model: Model, input: [Int], _ tag: String) throws {
        Fixtures.randomizeNorms(model)
        let s = try StructureAnalysis(model)
        var removed = Set<GroupChannel>()
        for cg in s.channelGroups(.channels) {
            for c in 0..<cg.units where c % 3 == 1 && cg.prunable[c] { removed.insert(GroupChannel(group: cg.name, channel: c)) }
        }
        var keep = KeepSet(granularity: .channels)
        for g in s.groups(.channels) {
            let channels = try XCTUnwrap(s.channelGroup(named: g.group)?.channelOf[g.name], tag)
            keep.units[g.name] = (0..<g.units).filter { !removed.contains(GroupChannel(group: g.group, channel: channels[$0])) }
        }
        silence(model, s, removed)
        let x = Fixtures.batch(input, 3)
        let dense = Fixtures.output(model, x)
        let params = model.parameterCount
        try Surgery.apply(keep, to: model, structure: s)
        XCTAssertLessThan(model.parameterCount, params, tag)
        Fixtures.assertClose(Fixtures.output(model, x), dense, tolerance: 1e-4, tag)
        let after = try StructureAnalysis(model)
        for g in after.groups(.channels) { XCTAssertEqual(g.units, keep.units[g.name]?.count, "\(tag) \(g.name)") }
    }

    func testRemovingSilentGroupChannelsPreservesOutputs() throws {
        try checkEquivalence(try Fixtures.model("resnet20", input: [3, 16, 16], width: 0.5), input: [3, 16, 16], "resnet20")
        try checkEquivalence(Self.mobileFire(), input: [3, 8, 8], "mobile+fire")
        try checkEquivalence(Self.squeezeExcite(), input: [3, 8, 8], "squeeze-excite")
    }

    /// The map's channel k, the gate's channel k (the expand convolution's unit k) and the reduce
    /// convolution's input k are one group channel; the reduce convolution's outputs are a group
    /// of their own. Every ratio prunes them without a shape error.
    func testSqueezeExciteChannelsArePrunedWithTheMapTheyScale() throws {
        let s = try StructureAnalysis(Self.squeezeExcite())
        XCTAssertEqual(s.fixed.map(\.name), ["fc"])
        let stem = try XCTUnwrap(s.channelGroup(named: "stem"))
        XCTAssertEqual(stem.members, ["stem", "se.expand"])
        XCTAssertEqual(stem.channelOf["se.expand"], stem.channelOf["stem"], "gate channel k scales map channel k")
        XCTAssertEqual(stem.joins, ["dw", "se.mul"])
        XCTAssertEqual(s.group(named: "stem")?.consumers.map(\.name), ["se.reduce", "project"])
        XCTAssertEqual(s.channelGroup(named: "se.reduce")?.members, ["se.reduce"])
        XCTAssertEqual(s.channelGroup(named: "se.reduce")?.prunableUnits, 4)
        for ratio in (1...9).map({ Double($0) / 10 }) {
            let model = Self.squeezeExcite()
            let scores = try MagnitudeScorer().score(model, data: nil, options: ScoreOptions(granularity: .channels))
            let report = try Pruner.prune(model, scores: scores, request: PruneRequest(amount: .ratio(ratio), scope: .local))
            XCTAssertFalse(report.text.contains("left whole"), report.text)
            let expand = try XCTUnwrap(model.nodes[try XCTUnwrap(model.node(named: "se.expand"))].layer as? Conv2d)
            let reduce = try XCTUnwrap(model.nodes[try XCTUnwrap(model.node(named: "se.reduce"))].layer as? Conv2d)
            let stemConv = try XCTUnwrap(model.nodes[try XCTUnwrap(model.node(named: "stem"))].layer as? Conv2d)
            XCTAssertEqual(expand.outChannels, stemConv.outChannels, "\(ratio)")
            XCTAssertEqual(reduce.inChannels, stemConv.outChannels, "\(ratio)")
            XCTAssertEqual(expand.inChannels, reduce.outChannels, "\(ratio)")
            XCTAssertLessThan(stemConv.outChannels, 8, "\(ratio)")
            XCTAssertEqual(model.forward(Fixtures.batch([3, 8, 8], 2), mode: .train).shape, [2, 3], "\(ratio)")
        }
    }

    func testDepthwiseAndConcatenatedChannelsArePrunedWithTheirProducers() throws {
        let model = Self.mobileFire()
        let s = try StructureAnalysis(model)
        XCTAssertEqual(s.fixed.map(\.name), ["fc"])
        let expand = try XCTUnwrap(s.channelGroup(named: "expand"))
        XCTAssertEqual(expand.members, ["expand"])
        XCTAssertEqual(expand.joins, ["dw"], "the depthwise convolution ties itself to its producer")
        XCTAssertEqual(s.channelGroup(named: "stem")?.members, ["stem", "project"])
        let scores = try MagnitudeScorer().score(model, data: nil, options: ScoreOptions(granularity: .channels))
        let report = try Pruner.prune(model, scores: scores, request: PruneRequest(amount: .ratio(0.5), scope: .local))
        let dw = try XCTUnwrap(model.nodes[try XCTUnwrap(model.node(named: "dw"))].layer as? GeneralConv2d)
        let expandConv = try XCTUnwrap(model.nodes[try XCTUnwrap(model.node(named: "expand"))].layer as? Conv2d)
        XCTAssertEqual(dw.groups, expandConv.outChannels)
        XCTAssertEqual(dw.outChannels, 6)
        let head = try XCTUnwrap(model.nodes[try XCTUnwrap(model.node(named: "head"))].layer as? Conv2d)
        XCTAssertEqual(head.inChannels, 3 + 2, "the head reads both parts of the concatenation, each halved (6 -> 3, 5 -> 2)")
        XCTAssertFalse(report.text.contains("left whole"), report.text)
        XCTAssertTrue(report.notes.joined().contains("stem: 4/8 — stem, project, tied by add"), report.notes.joined(separator: "\n"))
        XCTAssertTrue(report.notes.joined().contains("expand: 6/12 — expand, tied by dw"), report.notes.joined(separator: "\n"))
        XCTAssertEqual(model.forward(Fixtures.batch([3, 8, 8], 2), mode: .train).shape, [2, 3])
        // The pruned widths (depthwise groups included) survive the model file's architecture.
        let copy = try Architecture.parse(Architecture(of: model).json()).instantiate()
        for p in copy.parameters { p.value.copy(from: try XCTUnwrap(model.parameter(named: p.name)).value) }
        let x = Fixtures.batch([3, 8, 8], 2)
        XCTAssertEqual(Fixtures.output(copy, x), Fixtures.output(model, x))
    }

    /// Every zoo model at every ratio: residual-coupled channels included, no shape error.
    func testEveryZooModelPrunesCoupledChannelsAtEveryRatio() throws {
        for z in Fixtures.zoo {
            for ratio in stride(from: 0.1, through: 0.91, by: 0.1) {
                let model = try Fixtures.model(z.name, input: z.input, width: z.width)
                let granularity: Granularity = try StructureAnalysis(model).groups(.channels).isEmpty ? .neurons : .channels
                let scores = try RandomScorer().score(model, data: nil, options: ScoreOptions(granularity: granularity, seed: 5))
                let tag = "\(z.name) \(ratio)"
                let report = try Pruner.prune(model, scores: scores, request: PruneRequest(amount: .ratio(ratio)))
                XCTAssertFalse(report.text.contains("left whole"), tag + "\n" + report.text)
                XCTAssertEqual(try model.shapes().last, [model.classes], tag)
                XCTAssertEqual(Fixtures.output(model, Fixtures.batch(z.input, 2)).count, 2 * model.classes, tag)
            }
        }
    }

    /// 30% of the channels (neurons for the dense nets), then a batch forward and one training
    /// step; ratio 0 changes nothing.
    func testEveryZooModelPrunesThirtyPercentAndTrains() throws {
        for z in Fixtures.zoo {
            let model = try Fixtures.model(z.name, input: z.input, width: z.width)
            let granularity: Granularity = try StructureAnalysis(model).groups(.channels).isEmpty ? .neurons : .channels
            let x = Fixtures.batch(z.input, 4)
            let dense = Fixtures.output(model, x), params = model.parameterCount
            let scores = try MagnitudeScorer().score(model, data: nil, options: ScoreOptions(granularity: granularity))
            let identity = try Pruner.prune(model, scores: scores, request: PruneRequest(amount: .ratio(0)))
            XCTAssertTrue(identity.modelUnchanged, z.name)
            XCTAssertEqual(model.parameterCount, params, z.name)
            XCTAssertEqual(Fixtures.output(model, x), dense, "\(z.name): ratio 0 is the identity")
            let report = try Pruner.prune(model, scores: scores, request: PruneRequest(amount: .ratio(0.3)))
            XCTAssertEqual(report.realizedSparsity, 0.3, accuracy: 0.05, z.name)
            XCTAssertFalse(report.text.contains("left whole"), z.name + "\n" + report.text)
            XCTAssertLessThan(model.parameterCount, params, z.name)
            XCTAssertTrue(Fixtures.output(model, x).allSatisfy(\.isFinite), z.name)
            var o = TrainOptions()
            o.epochs = 1
            o.batchSize = 16
            o.learningRate = 0.01
            let before = Fixtures.output(model, x)
            _ = try Trainer(model: model, options: o).run(on: try Fixtures.data(z.input, count: 16))
            let after = Fixtures.output(model, x)
            XCTAssertTrue(after.allSatisfy(\.isFinite), z.name)
            XCTAssertNotEqual(after, before, "\(z.name): one step changed the pruned model")
        }
    }

    /// Inside a ResNet-20 stage every block's output channels agree across the adds, and each
    /// option-A shortcut pads the previous stage's kept channels to the next stage's.
    func testResNet20ChannelCountsAgreeAcrossTheAdds() throws {
        let model = try Fixtures.model("resnet20", input: [3, 16, 16], width: 1)
        let scores = try MagnitudeScorer().score(model, data: nil, options: ScoreOptions(granularity: .channels))
        let report = try Pruner.prune(model, scores: scores, request: PruneRequest(amount: .ratio(0.3)))
        func conv(_ name: String) throws -> Conv2d {
            try XCTUnwrap(model.nodes[try XCTUnwrap(model.node(named: name))].layer as? Conv2d, name)
        }
        var widths = [try conv("conv1").outChannels]
        for stage in 1...3 {
            let w = try conv("layer\(stage).0.conv2").outChannels
            for b in 0..<3 {
                XCTAssertEqual(try conv("layer\(stage).\(b).conv2").outChannels, w, "stage \(stage) block \(b)")
                if b > 0 || stage == 1 { XCTAssertEqual(try conv("layer\(stage).\(b).conv1").inChannels, stage == 1 && b == 0 ? widths[0] : w) }
            }
            if stage > 1 {
                let s = try XCTUnwrap(model.nodes[try XCTUnwrap(model.node(named: "layer\(stage).0.shortcut"))].layer as? ShortcutA)
                XCTAssertEqual(s.padBefore + widths.last! + s.padAfter, w, "stage \(stage) shortcut")
            } else {
                XCTAssertEqual(w, widths[0], "identity shortcuts tie stage 1 to the stem")
            }
            widths.append(w)
        }
        XCTAssertLessThan(widths.last!, 64, "the residual stream was pruned")
        let shapes = try model.shapes()
        for n in model.nodes where n.layer is Add {
            XCTAssertEqual(shapes[n.inputs[0]], shapes[n.inputs[1]], n.name)
        }
        XCTAssertTrue(report.text.contains("coupled groups"), report.text)
        XCTAssertTrue(report.text.contains("conv1: \(widths.last!)/64"), report.text)
        let group = try XCTUnwrap(report.groups?.first { $0.name == "conv1" })
        XCTAssertEqual(group.members.count, 10)
        XCTAssertEqual(group.kept, widths.last!)
    }

    func testKeepCoupledLeavesTheResidualStreamWhole() throws {
        let model = try Fixtures.model("resnet20", input: [3, 16, 16], width: 0.5)
        let scores = try MagnitudeScorer().score(model, data: nil, options: ScoreOptions(granularity: .channels))
        let report = try Pruner.prune(model, scores: scores, request: PruneRequest(amount: .ratio(0.5), scope: .local, keepCoupled: true))
        XCTAssertTrue(report.text.contains("left whole: conv1 (keep_coupled"), report.text)
        XCTAssertEqual(report.before.layers.first { $0.name == "layer3.2.conv2" }?.width,
                       report.after.layers.first { $0.name == "layer3.2.conv2" }?.width)
        XCTAssertLessThan(report.after.layers.first { $0.name == "layer3.2.conv1" }?.width ?? 99, 32)
    }

    /// Members are put on one scale (divided by their mean |score|) before combining, and the
    /// result is scaled back by the members' average mean; one member keeps its scores.
    func testAggregationsCombineMembersPerChannel() {
        // a: mean 2, so [0.5, 2, 0.5]; b: mean 4, so [0.25, 0.25, 0.5, 3]; scaled back by 3.
        let scores: [String: [Float]] = ["a": [1, 4, 1], "b": [1, 1, 2, 12]]
        let channelOf = ["a": [0, 1, 2], "b": [1, 2, 3, 4]]
        func close(_ a: [Float], _ b: [Float]) { XCTAssertEqual(a.count, b.count); for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-5, "\(a)") } }
        close(GroupAggregation.mean.combine(scores, channelOf: channelOf, units: 6), [1.5, 3.375, 1.125, 1.5, 9, 0])
        close(GroupAggregation.sum.combine(scores, channelOf: channelOf, units: 6), [1.5, 6.75, 2.25, 1.5, 9, 0])
        close(GroupAggregation.max.combine(scores, channelOf: channelOf, units: 6), [1.5, 6, 1.5, 1.5, 9, 0])
        for mode in GroupAggregation.allCases {
            XCTAssertEqual(mode.combine(["a": [3, 1, 2]], channelOf: ["a": [2, 0, 1]], units: 3), [1, 2, 3], "\(mode)")
        }
    }

    /// A wide member's larger norms do not decide alone: on resnet20 at 30% local, the stage-1
    /// channels of the residual group (held by the stem's small norms too) are not wiped out.
    func testResidualGroupKeepsEveryStageUnderLocalPruning() throws {
        let model = try Fixtures.model("resnet20", input: [3, 16, 16], width: 1)
        let scores = try MagnitudeScorer().score(model, data: nil, options: ScoreOptions(granularity: .channels))
        try Pruner.prune(model, scores: scores, request: PruneRequest(amount: .ratio(0.3), scope: .local))
        let stem = try XCTUnwrap(model.nodes[try XCTUnwrap(model.node(named: "conv1"))].layer as? Conv2d)
        XCTAssertGreaterThanOrEqual(stem.outChannels, 6, "stage 1 keeps a fair share of its 16 channels")
    }

    /// The aggregation reaches the ranking: a channel one member scores high and the others low
    /// survives under max and goes under mean.
    func testGroupOptionChangesWhichTiedChannelsStay() throws {
        let model = try Fixtures.model("resnet20", input: [3, 8, 8], width: 0.5)
        let s = try StructureAnalysis(model)
        var scores = ScoreSet(method: "test", granularity: .channels)
        for g in s.groups(.channels) {
            let channels = try XCTUnwrap(s.channelGroup(named: g.group)?.channelOf[g.name])
            // Channel 0 of the residual group: 10 in the stem, 0 in its nine conv2; others 2.
            scores.units[g.name] = channels.map { c in g.group == "conv1" && c == 0 ? (g.name == "conv1" ? 10 : 0) : 2 }
        }
        func keptChannelZero(_ aggregation: GroupAggregation) throws -> Bool {
            let keep = try Allocator.allocate(model, scores: scores, request: PruneRequest(amount: .ratio(0.5), scope: .local, groupAggregation: aggregation),
                                              structure: s)
            return keep.units["conv1"]?.contains(0) ?? false
        }
        XCTAssertTrue(try keptChannelZero(.max))
        XCTAssertFalse(try keptChannelZero(.mean), "mean 10/10 = 1 is below the others' 2")
        XCTAssertTrue(try keptChannelZero(.sum), "sum 10 outranks the channels only stage 3 holds (3 members x 2)")
    }

    /// Scorers that rank a unit by the layers reading it refuse concatenated producers by name
    /// instead of scoring them zero (which would prune them first).
    func testReaderBasedScorersNameTheConcatenatedProducer() throws {
        let model = Self.mobileFire()
        let data = try Fixtures.data([3, 8, 8], classes: 3, count: 16)
        for scorer in [ContributionScorer() as Scorer, ScreeningScorer()] {
            XCTAssertThrowsError(try scorer.score(model, data: data, options: ScoreOptions(granularity: .channels))) { error in
                XCTAssertTrue("\(error)".contains("channels of e1") && "\(error)".contains("magnitude"), "\(scorer.name): \(error)")
            }
        }
    }

    func testDisagreeingKeepSetsForTiedLayersAreRefused() throws {
        let model = try Fixtures.model("resnet20", input: [3, 8, 8], width: 0.5)
        let s = try StructureAnalysis(model)
        let keep = KeepSet(granularity: .channels, units: ["conv1": Array(1..<8)])
        XCTAssertThrowsError(try Surgery.apply(keep, to: model, structure: s)) { error in
            XCTAssertTrue("\(error)".contains("removed together") && "\(error)".contains("layer1.0.conv2"), "\(error)")
        }
        XCTAssertEqual(try model.shapes().last, [4], "a refused keep-set leaves the model intact")
    }
}

import Engine
import Pruning
import XCTest

/// `round_to`: every group keeps a multiple of N channels (or all of them), never fewer than the
/// ranking asked for, on plain and residual-coupled models.
final class ChannelRoundingTests: XCTestCase {
    private func convWidths(_ model: Model) -> [String: Int] {
        var widths = [String: Int]()
        for node in model.nodes {
            if let c = node.layer as? Conv2d { widths[node.name] = c.outChannels }
            if let c = node.layer as? GeneralConv2d { widths[node.name] = c.outChannels }
        }
        return widths
    }

    private func pruned(_ name: String, width: Double, ratio: Double, scope: PruneScope, roundTo: Int) throws -> (before: [String: Int], after: [String: Int]) {
        let model = try Fixtures.model(name, input: [3, 16, 16], width: width)
        let before = convWidths(model)
        let scores = try MagnitudeScorer().score(model, data: nil, options: ScoreOptions(granularity: .channels))
        _ = try Pruner.prune(model, scores: scores, request: PruneRequest(amount: .ratio(ratio), scope: scope, roundTo: roundTo))
        let x = Fixtures.batch([3, 16, 16], 2)
        XCTAssertEqual(model.forward(x, mode: .eval).shape, [2, 4])
        return (before, convWidths(model))
    }

    func testEveryGroupKeepsAMultipleOfTheRounding() throws {
        for (name, width) in [("vgg-small", 0.5), ("resnet20", 1.0)] {
            for scope in [PruneScope.global, .local] {
                let plain = try pruned(name, width: width, ratio: 0.37, scope: scope, roundTo: 1)
                XCTAssertTrue(plain.after.contains { $0.value % 8 != 0 }, "\(name) \(scope): without rounding some layer keeps an odd count, or the test proves nothing")
                let rounded = try pruned(name, width: width, ratio: 0.37, scope: scope, roundTo: 8)
                for (layer, kept) in rounded.after {
                    let original = rounded.before[layer]!
                    XCTAssertTrue(kept % 8 == 0 || kept == original, "\(name) \(scope): \(layer) keeps \(kept) of \(original)")
                    XCTAssertGreaterThanOrEqual(kept, plain.after[layer]!, "\(name) \(scope): \(layer) lost more than the ranking asked")
                }
            }
        }
    }

    func testRoundingUpKeepsTheBestRemovedChannels() {
        let keep = [true, false, false, true, false]
        let rounded = Allocator.roundedUp(keep, eligible: [true, true, true, true, true], ranking: [5, 1, 3, 4, 2], multiple: 4)
        XCTAssertEqual(rounded, [true, false, true, true, true])
        XCTAssertEqual(Allocator.roundedUp(keep, eligible: Array(repeating: true, count: 5), ranking: [5, 1, 3, 4, 2], multiple: 8),
                       Array(repeating: true, count: 5), "a group smaller than the multiple stays whole")
    }

    func testNestedViewsOfAPaddedShortcutAreEachRounded() {
        // A 4-channel stage tied to the first 4 of an 8-channel one: both views round to 2.
        let keep = [true, false, false, false, true, false, false, false]
        let rounded = Allocator.roundedUp(keep, eligible: Array(repeating: true, count: 8), ranking: [8, 1, 6, 2, 7, 5, 3, 4],
                                          multiple: 2, views: [Array(0..<4), Array(0..<8)])
        XCTAssertEqual(rounded.prefix(4).filter { $0 }.count % 2, 0)
        XCTAssertEqual(rounded.filter { $0 }.count % 2, 0)
        XCTAssertEqual(rounded, [true, false, true, false, true, true, false, false],
                       "the small view takes its best removed channel; the large one takes from outside the small view")
    }

    func testRoundingSingleWeightsIsRefused() throws {
        let model = try Fixtures.model("lenet300", input: [1, 28, 28], width: 0.25)
        let scores = try MagnitudeScorer().score(model, data: nil, options: ScoreOptions(granularity: .weights))
        XCTAssertThrowsError(try Pruner.prune(model, scores: scores, request: PruneRequest(amount: .ratio(0.5), roundTo: 8))) {
            XCTAssertTrue("\($0)".contains("round_to=8"), "\($0)")
        }
    }
}

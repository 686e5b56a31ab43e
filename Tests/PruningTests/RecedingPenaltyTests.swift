import Engine
@testable import Pruning
import XCTest

/// The receding penalty lambda * sum u(1 - ln u), u = sigma(theta + shift): its gradient, where it
/// acts, its numerical range and its refusal of models it cannot act on.
final class RecedingPenaltyTests: XCTestCase {
    private func sigmoidMLP(hidden: [Int] = [7, 5]) throws -> Model {
        try Zoo.build("mlp", ZooOptions(inputShape: [6], classes: 3, norm: .sigmoid, hidden: hidden, seed: 2))
    }

    private func gates(_ model: Model) -> [SigmoidBatchNorm] { model.nodes.compactMap { $0.layer as? SigmoidBatchNorm } }

    func testGradientMatchesCentralDifferencesOfTheValue() throws {
        let model = try sigmoidMLP()
        let bns = gates(model)
        XCTAssertEqual(bns.count, 2)
        // Thetas over the whole range: dead, weak, undecided, strong.
        var k = 0
        for bn in bns { for c in 0..<bn.channels { bn.weight.value[c] = -9 + 1.5 * Float(k); k += 1 } }
        for shift: Float in [3, 0, -1.5] {
            let penalty = try RecedingPenalty(lambda: 0.01, shift: shift)
            model.zeroGrad()
            let value = penalty.apply(to: model)
            XCTAssertEqual(value, penalty.value(model), accuracy: 1e-12, "apply returns lambda * R")
            let h: Float = 1e-2
            for bn in bns {
                for c in 0..<bn.channels {
                    let t = bn.weight.value[c]
                    bn.weight.value[c] = t + h
                    let plus = penalty.value(model)
                    bn.weight.value[c] = t - h
                    let minus = penalty.value(model)
                    bn.weight.value[c] = t
                    let numeric = (plus - minus) / Double(2 * h)
                    let analytic = Double(bn.weight.grad[c])
                    XCTAssertEqual(analytic, numeric, accuracy: 1e-4 * max(abs(numeric), 1e-3),
                                   "shift \(shift), theta \(t)")
                }
            }
        }
    }

    func testGradientAddsToTheExistingGradient() throws {
        let model = try sigmoidMLP()
        let bn = try XCTUnwrap(gates(model).first)
        model.zeroGrad()
        bn.weight.grad[0] = 0.25
        let penalty = try RecedingPenalty(lambda: 0.5, shift: 3)
        _ = penalty.apply(to: model)
        let expected = 0.25 + 0.5 * RecedingPenalty.term(bn.weight.value[0], shift: 3).derivative
        XCTAssertEqual(Double(bn.weight.grad[0]), expected, accuracy: 1e-6)
    }

    /// Only weak channels recede: the push is largest where sigma(theta + shift) is small but not
    /// dead, and vanishes for strong (theta >> 0) and dead (theta << 0) channels.
    func testGradientIsLargestForWeakChannelsAndVanishesForStrongAndDeadOnes() throws {
        for shift: Float in [3, 0] {
            let grid = stride(from: Float(-40), through: 40, by: 0.05).map { $0 }
            let d = grid.map { RecedingPenalty.term($0, shift: shift).derivative }
            XCTAssertTrue(d.allSatisfy { $0 >= 0 }, "gradient descent only ever lowers theta")
            let peak = try XCTUnwrap(d.indices.max { d[$0] < d[$1] })
            let z = grid[peak] + shift
            // The peak of -ln(u) u (1 - u) lies at u about 0.2: a weak, not dead, gate.
            let u = 1 / (1 + exp(-z))
            XCTAssertGreaterThan(u, 0.1, "shift \(shift)")
            XCTAssertLessThan(u, 0.35, "shift \(shift)")
            let dPeak = d[peak]
            for strong: Float in [8, 12, 20] {
                XCTAssertLessThan(RecedingPenalty.term(strong, shift: shift).derivative, 1e-3 * dPeak, "strong theta \(strong)")
            }
            for dead: Float in [-15, -25, -40] {
                XCTAssertLessThan(RecedingPenalty.term(dead, shift: shift).derivative, 1e-3 * dPeak, "dead theta \(dead)")
            }
            // Monotone on either side of the peak: the further from weak, the weaker the push.
            for i in 1..<peak { XCTAssertLessThanOrEqual(d[i - 1], d[i] + 1e-12) }
            for i in (peak + 1)..<d.count { XCTAssertLessThanOrEqual(d[i], d[i - 1] + 1e-12) }
        }
        // An L1 penalty on the gates would push a strong channel as hard as a weak one; this one
        // pushes the weak channel (gate 0.2) many times harder than the strong one (gate 0.999).
        let weak = RecedingPenalty.term(-1.386 - 3, shift: 3).derivative
        let strong = RecedingPenalty.term(6.9 - 3, shift: 3).derivative
        XCTAssertGreaterThan(weak, 50 * strong)
    }

    func testValueAndGradientStayFiniteAtExtremeThetas() {
        for theta: Float in [-1e30, -1e4, -88, -20, 0, 20, 88, 1e4, 1e30] {
            let t = RecedingPenalty.term(theta, shift: 3)
            XCTAssertTrue(t.value.isFinite && t.derivative.isFinite, "theta \(theta)")
            XCTAssertGreaterThanOrEqual(t.value, 0)
            XCTAssertLessThanOrEqual(t.value, 1, "u(1 - ln u) is at most 1, reached at u = 1")
        }
        XCTAssertEqual(RecedingPenalty.term(1e4, shift: 3).value, 1, accuracy: 1e-12)
        XCTAssertEqual(RecedingPenalty.term(-1e4, shift: 3).value, 0, accuracy: 1e-12)
        // Against the direct formula where it is well conditioned.
        let u = 1 / (1 + exp(-0.7))
        XCTAssertEqual(RecedingPenalty.term(-2.3, shift: 3).value, u * (1 - log(u)), accuracy: 1e-6)
    }

    func testCatalogDefaultsAreTheAuthorsCodeDefaults() throws {
        let model = try sigmoidMLP()
        let p = try XCTUnwrap(MethodCatalog.penalty("receding")?.penalty([:], model: model) as? RecedingPenalty)
        XCTAssertEqual(p.lambda, 1e-4)
        XCTAssertEqual(p.shift, 3)
        let q = try XCTUnwrap(MethodCatalog.penalty("receding")?.penalty(["lambda": .number(1e-3), "shift": .number(0)], model: model) as? RecedingPenalty)
        XCTAssertEqual(q.lambda, 1e-3)
        XCTAssertEqual(q.shift, 0)
    }

    func testModelsWithoutSigmoidBatchNormAreRefusedWithTheLoadToUse() throws {
        for norm in [NormKind.bn, .none] {
            let model = try Zoo.build("mlp", ZooOptions(inputShape: [6], classes: 3, norm: norm, hidden: [5]))
            XCTAssertThrowsError(try MethodCatalog.penalty("receding")?.penalty([:], model: model)) { e in
                let text = "\(e)"
                XCTAssertTrue(text.contains("penalty=receding"), text)
                XCTAssertTrue(text.contains("load vgg-small norm=sigmoid"), text)
            }
        }
        XCTAssertThrowsError(try RecedingPenalty(lambda: -1)) { XCTAssertTrue("\($0)".contains("lambda=-1")) }
        XCTAssertThrowsError(try RecedingPenalty(lambda: 1e-4, shift: .nan)) { XCTAssertTrue("\($0)".contains("shift=")) }
    }
}

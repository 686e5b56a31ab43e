import XCTest
@testable import Engine

final class OptimizerTests: XCTestCase {
    private func param(_ values: [Float], grad: [Float]) -> Parameter {
        let p = Parameter(name: "w", role: .weight, value: Tensor(shape: [values.count], values: values))
        for (i, g) in grad.enumerated() { p.grad[i] = g }
        return p
    }

    func testPlainSGDWithWeightDecay() {
        let p = param([1, -2], grad: [0.5, 0.25])
        SGD(learningRate: 0.1, weightDecay: 0.01).step([p])
        // w - lr * (g + wd * w)
        XCTAssertEqual(p.value[0], 1 - 0.1 * (0.5 + 0.01 * 1), accuracy: 1e-7)
        XCTAssertEqual(p.value[1], -2 - 0.1 * (0.25 + 0.01 * -2), accuracy: 1e-7)
    }

    func testMomentumTwoSteps() {
        let p = param([1], grad: [1])
        let opt = SGD(learningRate: 0.1, momentum: 0.9)
        opt.step([p])                       // buf = 1, w = 0.9
        XCTAssertEqual(p.value[0], 0.9, accuracy: 1e-6)
        p.grad[0] = 0.5
        opt.step([p])                       // buf = 0.9 + 0.5 = 1.4, w = 0.9 - 0.14 = 0.76
        XCTAssertEqual(p.value[0], 0.76, accuracy: 1e-6)
    }

    func testNesterov() {
        let p = param([1], grad: [1])
        let opt = SGD(learningRate: 0.1, momentum: 0.9, nesterov: true)
        opt.step([p])                       // buf = 1, d = 1 + 0.9 = 1.9, w = 0.81
        XCTAssertEqual(p.value[0], 0.81, accuracy: 1e-6)
    }

    func testGroupRules() {
        let a = param([1], grad: [1]), b = param([1], grad: [1])
        b.group = "sigmoid-bn"
        SGD(learningRate: 0.1, weightDecay: 0.5,
            groups: ["sigmoid-bn": ParameterGroupRule(lrMultiplier: 10, weightDecay: false)]).step([a, b])
        XCTAssertEqual(a.value[0], 1 - 0.1 * 1.5, accuracy: 1e-6)
        XCTAssertEqual(b.value[0], 1 - 1.0 * 1, accuracy: 1e-6)
    }

    func testAdamFirstStepMovesByLearningRate() {
        // With bias correction the first Adam step is lr * g/|g| (up to eps).
        let p = param([1, 1], grad: [3, -0.001])
        Adam(learningRate: 0.01).step([p])
        XCTAssertEqual(p.value[0], 0.99, accuracy: 1e-5)
        XCTAssertEqual(p.value[1], 1.01, accuracy: 1e-4)
    }

    /// A second `train` builds a new optimizer: the moments on the parameter must continue with
    /// their own bias correction, exactly as if one optimizer had taken every step.
    func testAdamContinuesAcrossOptimizers() {
        let grads: [[Float]] = [[3, -0.5], [1, 0.25], [-2, 0.75]]
        let one = param([1, 1], grad: [0, 0]), split = param([1, 1], grad: [0, 0])
        let adam = Adam(learningRate: 0.01)
        for (i, g) in grads.enumerated() {
            for (j, v) in g.enumerated() { one.grad[j] = v; split.grad[j] = v }
            adam.step([one])
            Adam(learningRate: 0.01).step([split])   // a fresh optimizer every step
            XCTAssertEqual(split.value.array, one.value.array, "step \(i + 1)")
        }
        XCTAssertEqual(split.state["adam.t"]?[0], 3)
    }

    func testAdamWDecouplesDecay() {
        let p = param([2], grad: [0])
        Adam(learningRate: 0.1, weightDecay: 0.5, decoupled: true).step([p])
        XCTAssertEqual(p.value[0], 2 - 0.1 * 0.5 * 2, accuracy: 1e-6)
    }

    func testMaskedWeightsStayZero() {
        let p = param([1, 1, 1], grad: [1, 1, 1])
        p.mask = Tensor(shape: [3], values: [1, 0, 1])
        p.applyMask()
        let opt = SGD(learningRate: 0.1, momentum: 0.9, weightDecay: 1e-3)
        for _ in 0..<5 { for i in 0..<3 { p.grad[i] = 1 }; opt.step([p]) }
        XCTAssertEqual(p.value[1], 0)
        XCTAssertEqual(p.state["momentum"]?[1], 0)
        XCTAssertNotEqual(p.value[0], 1)
    }

    func testSchedules() {
        XCTAssertEqual(LRSchedule.step(every: 2, gamma: 0.1).rate(base: 1, epoch: 3.5, totalEpochs: 10), 0.1, accuracy: 1e-6)
        XCTAssertEqual(LRSchedule.multiStep(milestones: [2, 4], gamma: 0.5).rate(base: 1, epoch: 4, totalEpochs: 10), 0.25, accuracy: 1e-6)
        XCTAssertEqual(LRSchedule.cosine(minimum: 0).rate(base: 1, epoch: 5, totalEpochs: 10), 0.5, accuracy: 1e-6)
        XCTAssertEqual(LRSchedule.cosine(minimum: 0).rate(base: 1, epoch: 10, totalEpochs: 10), 0, accuracy: 1e-6)
        XCTAssertEqual(LRSchedule.constant.rate(base: 1, epoch: 0, totalEpochs: 10, warmup: 2), 0.1, accuracy: 1e-6)
    }
}

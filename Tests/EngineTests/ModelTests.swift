import XCTest
@testable import Engine

final class ModelTests: XCTestCase {
    /// A fan-out graph (x feeds two branches that are added) checked against central differences
    /// of the whole model: exercises gradient accumulation across consumers.
    func testGraphGradientWithFanOut() {
        var rng = RandomStream(seed: 3)
        let m = Model(inputShape: [6], classes: 4)
        let a = Linear(6, 4); a.initialize(&rng)
        let b = Linear(6, 4); b.initialize(&rng)
        let ia = m.add("a", a, inputs: [0])
        let ib = m.add("b", b, inputs: [0])
        m.add("sum", Add(), inputs: [ia, ib])
        let x = GradCheck.randomTensor([3, 6], &rng)
        let labels: [Int32] = [0, 3, 1]
        let ce = SoftmaxCrossEntropy()
        func loss() -> Double {
            labels.withUnsafeBufferPointer { ce(m.forward(x, mode: .train), labels: $0, computeGradient: false).loss }
        }
        m.zeroGrad()
        let logits = m.forward(x, mode: .train)
        labels.withUnsafeBufferPointer { _ = ce(logits, labels: $0) }
        m.backward(ce.gradient!)
        for p in m.trainableParameters {
            for i in 0..<p.value.count {
                let old = p.value[i]
                p.value[i] = old + 1e-2; let up = loss()
                p.value[i] = old - 1e-2; let down = loss()
                p.value[i] = old
                XCTAssertEqual(Float((up - down) / 2e-2), p.grad[i], accuracy: 2e-3, "\(p.name)[\(i)]")
            }
        }
    }

    func testCrossEntropyGradient() {
        var rng = RandomStream(seed: 4)
        let z = GradCheck.randomTensor([5, 7], &rng, scale: 3)
        let labels: [Int32] = [0, 6, 3, 3, 1]
        let ce = SoftmaxCrossEntropy()
        labels.withUnsafeBufferPointer { _ = ce(z, labels: $0) }
        let g = ce.gradient!.copy()
        for i in 0..<z.count {
            let old = z[i]
            z[i] = old + 1e-2
            let up = labels.withUnsafeBufferPointer { ce(z, labels: $0, computeGradient: false).loss }
            z[i] = old - 1e-2
            let down = labels.withUnsafeBufferPointer { ce(z, labels: $0, computeGradient: false).loss }
            z[i] = old
            XCTAssertEqual(Float((up - down) / 2e-2), g[i], accuracy: 1e-3)
        }
    }

    func testCrossEntropyStaysFiniteForHugeLogits() {
        let z = Tensor(shape: [1, 3], values: [1e30, -1e30, 0])
        let (loss, correct) = [Int32(0)].withUnsafeBufferPointer { SoftmaxCrossEntropy()(z, labels: $0) }
        XCTAssertTrue(loss.isFinite)
        XCTAssertEqual(correct, 1)
    }

    /// Every zoo model builds on MNIST-shaped and CIFAR-shaped inputs, runs forward and backward,
    /// and produces one logit per class.
    func testEveryZooModelRunsForwardAndBackward() throws {
        for name in Zoo.names {
            for shape in [[1, 28, 28], [3, 32, 32]] {
                let width = ["vgg11", "vgg16", "resnet56"].contains(name) ? 0.25 : 1
                let m = try Zoo.build(name, ZooOptions(inputShape: shape, classes: 10, width: width, seed: 1))
                var rng = RandomStream(seed: 2)
                let x = GradCheck.randomTensor([2] + shape, &rng)
                let y = m.forward(x, mode: .train)
                XCTAssertEqual(y.shape, [2, 10], "\(name) on \(shape)")
                m.zeroGrad()
                m.backward(Tensor(shape: [2, 10], repeating: 0.1))
                let touched = m.trainableParameters.filter { p in (0..<p.grad.count).contains { p.grad[$0] != 0 } }
                XCTAssertGreaterThan(touched.count, m.trainableParameters.count / 2, "\(name): gradients reach the parameters")
            }
        }
    }

    func testZooNamesFollowPyTorchModules() throws {
        let lenet = try Zoo.build("lenet300", ZooOptions(inputShape: [1, 28, 28], classes: 10))
        XCTAssertEqual(lenet.trainableParameters.map(\.name), ["1.weight", "1.bias", "3.weight", "3.bias", "5.weight", "5.bias"])
        let resnet = try Zoo.build("resnet20", ZooOptions(inputShape: [3, 32, 32], classes: 10))
        XCTAssertNotNil(resnet.parameter(named: "layer2.0.conv1.weight"))
        XCTAssertNotNil(resnet.parameter(named: "layer3.2.bn2.running_var"))
        XCTAssertEqual(resnet.parameter(named: "linear.weight")?.value.shape, [10, 64])
        XCTAssertEqual(resnet.trainableParameters.filter { $0.name.hasSuffix("conv1.weight") || $0.name.hasSuffix("conv2.weight") }.count, 19)
        let vgg = try Zoo.build("vgg-small", ZooOptions(inputShape: [3, 32, 32], classes: 10))
        XCTAssertEqual(vgg.parameter(named: "22.weight")?.value.shape, [10, 2048], "matches the PyTorch reference's Sequential")
    }

    func testUnknownModelNamesTheZoo() {
        XCTAssertThrowsError(try Zoo.build("vgg12", ZooOptions(inputShape: [1, 28, 28], classes: 10))) { e in
            XCTAssertTrue("\(e)".contains("vgg16"))
        }
    }
}

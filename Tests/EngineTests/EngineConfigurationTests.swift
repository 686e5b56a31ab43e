@testable import Engine
import XCTest

/// The engine's settings travel with the model: made once from the environment, handed by the
/// model to its layers on every forward, never read from shared switches.
final class EngineConfigurationTests: XCTestCase {
    func testThreadsComeFromTheEnvironmentOrTheCores() {
        XCTAssertEqual(EngineConfiguration.fromEnvironment(["PRN_THREADS": "3"]).threads, 3)
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        XCTAssertEqual(EngineConfiguration.fromEnvironment([:]).threads, cores)
        XCTAssertEqual(EngineConfiguration.fromEnvironment([:]).sparseInference, .standard)
        XCTAssertTrue(EngineConfiguration.fromEnvironment([:]).directConvolution)
    }

    func testAThreadCountBelowOneMeansOne() {
        XCTAssertEqual(EngineConfiguration(threads: 0).threads, 1)
    }

    /// Both paths of a forward, the plain layer walk (train) and the fused conv -> batch norm ->
    /// ReLU chain (eval), give the convolution the model's settings.
    func testModelHandsItsConfigurationToItsLayers() {
        let m = Model(inputShape: [3, 8, 8], classes: 2)
        let conv = Conv2d(3, 4, kernel: 3, padding: 1)
        m.add("conv", conv)
        m.add("bn", BatchNorm(4))
        m.add("relu", ReLU())
        let custom = EngineConfiguration(threads: 1, sparseInference: .off, directConvolution: false)
        m.configuration = custom
        _ = m.forward(Tensor(shape: [2, 3, 8, 8]), mode: .train)
        XCTAssertEqual(conv.configuration, custom)
        XCTAssertFalse(conv.directConvolution(conv.geometry(height: 8, width: 8)))
        m.configuration = .standard
        _ = m.forward(Tensor(shape: [2, 3, 8, 8]), mode: .eval)
        XCTAssertEqual(conv.configuration, .standard)
        XCTAssertTrue(conv.directConvolution(conv.geometry(height: 8, width: 8)))
    }
}

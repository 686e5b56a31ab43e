import Foundation

/// How the engine runs a model: how many workers split its loops and which kernels it may pick.
/// A value, not global state: it is made once when prn starts (`standard`, from the environment),
/// each model holds one (`Model.configuration`) and hands it to its layers on every forward, and
/// tests or benchmarks give a model or a layer another value instead of changing shared switches,
/// so two models with different settings can run side by side. None of the settings changes what
/// is computed, only which kernel computes it (results agree to float rounding).
public struct EngineConfiguration: Sendable, Equatable {
    /// Workers for the convolution and sparse kernels and the pruning statistics; also BLAS's
    /// own thread count around a convolution that split its batch.
    public var threads: Int
    /// When eval-mode forwards of masked weights switch to compressed (CSR) kernels.
    public var sparseInference: SparseInferencePolicy
    /// False: every convolution goes through im2col + GEMM (a reference for tests and benchmarks).
    public var directConvolution: Bool

    public init(threads: Int = Parallel.threads, sparseInference: SparseInferencePolicy = .standard,
                directConvolution: Bool = true) {
        self.threads = Swift.max(1, threads)
        self.sparseInference = sparseInference
        self.directConvolution = directConvolution
    }

    /// The settings the environment asks for: `PRN_THREADS` (see EnvironmentSettings), else every core.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> EngineConfiguration {
        EngineConfiguration(threads: EnvironmentSettings.threads(environment)
                                ?? Swift.max(1, ProcessInfo.processInfo.activeProcessorCount))
    }

    /// Made from the environment on first use, once per process; what every new model starts with.
    public static let standard = fromEnvironment()
}

/// Compressed (CSR) kernels for unstructured pruning at inference time: Linear and Conv2d switch
/// to a CSR form of their weight in eval mode when the weight carries a pruning mask and the
/// fraction of nonzero weights is below `densityThreshold`. Training always runs the dense masked
/// weights (gradients are dense anyway).
///
/// The threshold comes from the layer sweep of `prn bench sparse` (docs/interop.md): on 2 cores
/// the CSR kernels beat OpenBLAS sgemm up to about 28% density for Linear 784x300 and 30% for a
/// 3x3 Conv 64x64; 0.25 stays below both. Small linear layers (a classifier head) take the CSR
/// kernel up to `smallLinearDensityThreshold`: their product is so short that handing it to BLAS,
/// whose threads must be woken, costs more than the multiply-adds themselves.
public struct SparseInferencePolicy: Sendable, Equatable {
    /// False: always the dense kernels (a reference for tests and benchmarks).
    public var enabled: Bool
    /// Nonzero fraction below which eval-mode forwards use the CSR kernels.
    public var densityThreshold: Double
    /// Linear weights with at most this many entries count as small.
    public var smallLinearWeights: Int
    /// Nonzero fraction below which small linear layers use the CSR kernel.
    public var smallLinearDensityThreshold: Double

    public init(enabled: Bool = true, densityThreshold: Double = 0.25, smallLinearWeights: Int = 16_384,
                smallLinearDensityThreshold: Double = 0.5) {
        self.enabled = enabled
        self.densityThreshold = densityThreshold
        self.smallLinearWeights = smallLinearWeights
        self.smallLinearDensityThreshold = smallLinearDensityThreshold
    }

    public static let standard = SparseInferencePolicy()
    /// Dense kernels only.
    public static let off = SparseInferencePolicy(enabled: false)
    /// CSR kernels at every density (for measuring them against the dense ones).
    public static let always = SparseInferencePolicy(densityThreshold: 1.01, smallLinearDensityThreshold: 1.01)

    /// The density below which a weight of `count` entries runs compressed.
    func threshold(weights count: Int, linear: Bool) -> Double {
        linear && count <= smallLinearWeights ? Swift.max(densityThreshold, smallLinearDensityThreshold) : densityThreshold
    }
}

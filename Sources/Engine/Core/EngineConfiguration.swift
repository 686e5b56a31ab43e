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
    /// False: 3x3 stride-1 convolutions run the direct kernel instead of Winograd F(2x2, 3x3)
    /// (for tests and benchmarks that compare the two).
    public var winograd: Bool
    /// False: forwards, input gradients and weight gradients of those convolutions keep F(2x2, 3x3)
    /// where F(4x4, 3x3) would do less work (`WinogradForm.fewerProducts`,
    /// `WinogradConvolution.weightGradientForm`); F(4x4, 3x3) rounds more (for tests and
    /// benchmarks that compare the two).
    public var winograd4x4: Bool
    /// False: eval-mode forwards that take the im2col path multiply by BLAS's sgemm instead of
    /// prn's kernel over a weight packed once (for tests and benchmarks that
    /// compare the two). Either way only where the CPU has AVX-512, or AVX2 with FMA
    /// (`prn_packed_gemm_preferred`).
    public var packedGEMM: Bool

    public init(threads: Int = Parallel.threads, sparseInference: SparseInferencePolicy = .standard,
                directConvolution: Bool = true, winograd: Bool = true, winograd4x4: Bool = true,
                packedGEMM: Bool = true) {
        self.threads = Swift.max(1, threads)
        self.sparseInference = sparseInference
        self.directConvolution = directConvolution
        self.winograd = winograd
        self.winograd4x4 = winograd4x4
        self.packedGEMM = packedGEMM
    }

    /// The settings the environment asks for: `PRN_THREADS` (see EnvironmentSettings), else every core.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> EngineConfiguration {
        EngineConfiguration(threads: EnvironmentSettings.threads(environment)
                                ?? Swift.max(1, ProcessInfo.processInfo.activeProcessorCount))
    }

    /// Made from the environment on first use, once per process; what every new model starts with.
    public static let standard = fromEnvironment()
}

/// Compressed (CSR) kernels for unstructured pruning at inference time. In eval mode, a Linear
/// layer whose weight carries a pruning mask picks, on every forward, the kernel its cost model
/// (`LinearKernelCost`) expects to be fastest for the weight's nonzero count, its shape and the
/// batch: the dense sgemm, CSR rows (a few samples) or CSR panels (many samples); see
/// docs/engine.md "Sparse inference". Conv2d switches to a CSR form of its weight when the
/// fraction of nonzero weights is below `densityThreshold`. Training always runs the dense
/// masked weights (gradients are dense anyway).
///
/// The convolution threshold comes from the layer sweep of `prn bench sparse`: on 2 cores the
/// CSR kernel beat im2col + sgemm up to about 30% density for a 3x3 Conv 64x64; 0.25 stays below.
public struct SparseInferencePolicy: Sendable, Equatable {
    /// False: always the dense kernels (a reference for tests and benchmarks).
    public var enabled: Bool
    /// Nonzero fraction below which eval-mode convolutions use the CSR kernel.
    public var densityThreshold: Double
    /// The kernels a masked Linear layer may run; the cost model picks the cheapest of them.
    /// Without `.dense` the layer always runs compressed (tests and benchmarks force kernels so).
    public var linearKernels: LinearKernels

    public init(enabled: Bool = true, densityThreshold: Double = 0.25, linearKernels: LinearKernels = .all) {
        precondition(!linearKernels.isEmpty, "sparse inference policy: no linear kernel to choose from")
        self.enabled = enabled
        self.densityThreshold = densityThreshold
        self.linearKernels = linearKernels
    }

    public static let standard = SparseInferencePolicy()
    /// Dense kernels only.
    public static let off = SparseInferencePolicy(enabled: false)
    /// CSR kernels at every density (for measuring them against the dense ones).
    public static let always = SparseInferencePolicy(densityThreshold: 1.01, linearKernels: .sparse)
}

/// The kernels an eval-mode forward of a masked Linear layer chooses from (LinearKernelCost).
public enum LinearKernel: String, Sendable, CaseIterable {
    /// sgemm on the dense masked weight.
    case dense
    /// CSR, one sample and one output at a time, x gathered at each nonzero (`prn_csr_linear_rows`).
    case csrRows
    /// CSR over panels of 16 transposed samples, one vector multiply-add per nonzero (`prn_csr_linear`).
    case csrPanels

    var bit: UInt8 {
        switch self {
        case .dense: 0
        case .csrRows: 1
        case .csrPanels: 2
        }
    }
}

/// A set of `LinearKernel`s, as bits: the choice runs on every forward and must not allocate.
public struct LinearKernels: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public init(_ kernel: LinearKernel) { rawValue = 1 << kernel.bit }

    public static let dense = LinearKernels(.dense)
    public static let csrRows = LinearKernels(.csrRows)
    public static let csrPanels = LinearKernels(.csrPanels)
    public static let sparse: LinearKernels = [.csrRows, .csrPanels]
    public static let all: LinearKernels = [.dense, .csrRows, .csrPanels]

    public func contains(_ kernel: LinearKernel) -> Bool { rawValue & (1 << kernel.bit) != 0 }
}

/// Whether a forward pass trains (batch statistics, dropout on) or evaluates.
public enum Mode: Sendable { case train, eval }

/// One operation of a model graph with an explicit forward/backward pair.
///
/// Contract:
/// - `forward` returns a tensor the layer owns (reused next batch) or a view of its input;
///   it never writes into its inputs. Shapes include the batch dimension first.
/// - `backward` is called once after `forward` in train mode, with the gradient of the loss
///   with respect to the output. It accumulates parameter gradients (`+=`) and returns the
///   gradient for each input, or nil where `needInputGrad[i]` is false (saves the first layer's
///   most expensive product).
/// - `config` holds every hyper-parameter needed to rebuild the layer (saved in model files);
///   `LayerFactory` turns kind + config back into a layer.
public protocol Layer: AnyObject {
    var kind: String { get }
    var config: [String: Double] { get }
    /// Parameters and buffers with local names ("weight", "bias", "running_mean").
    var parameters: [Parameter] { get }
    /// Output shape for per-sample input shapes (no batch dimension); throws on a mismatch.
    func outputShape(_ inputShapes: [[Int]]) throws -> [Int]
    func forward(_ inputs: [Tensor], mode: Mode) -> Tensor
    /// The forward a model runs, with the model's settings; layers whose kernels the settings
    /// choose implement it, the others run their plain `forward`.
    func forward(_ inputs: [Tensor], mode: Mode, configuration: EngineConfiguration) -> Tensor
    func backward(_ gradOutput: Tensor, needInputGrad: [Bool]) -> [Tensor?]
    /// Multiply-accumulate count for one sample (dense, ignoring masks).
    func macs(_ inputShapes: [[Int]]) -> Int
}

public extension Layer {
    func forward(_ inputs: [Tensor], mode: Mode, configuration: EngineConfiguration) -> Tensor {
        forward(inputs, mode: mode)
    }
    var parameters: [Parameter] { [] }
    func macs(_ inputShapes: [[Int]]) -> Int { 0 }
    func parameter(_ local: String) -> Parameter? {
        parameters.first { $0.name == local || $0.name.hasSuffix("." + local) }
    }
}

/// A shape error found while building or checking a graph.
public struct ShapeError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

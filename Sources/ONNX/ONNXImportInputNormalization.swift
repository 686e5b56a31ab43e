import Engine
import Foundation

/// `Sub(input, mean)` then `Div(., std)` on the graph input, with per-channel constants: the input
/// normalisation prn's export writes, and what PyTorch writes for `(x - mean) / std` at the start
/// of `forward`. It becomes the model's recorded preprocessing (prn normalises the data instead of
/// computing it in a layer), so the imported model reads the same raw inputs as the original.
extension GraphImporter {
    /// Whether the node applies a constant to the graph input (or to the input already centred).
    func isInputNormalization(_ n: Onnx_NodeProto) -> Bool {
        guard n.input.count == 2, values[n.input[0]]?.node == 0, constants[n.input[1]] != nil else { return false }
        // GELU's Div(x, sqrt 2) feeds Erf: that Div belongs to the activation.
        if n.opType == "Div", let out = n.output.first,
           (readers[out] ?? []).contains(where: { graph.node[$0].opType == "Erf" }) { return false }
        return true
    }

    mutating func inputNormalization(_ n: Onnx_NodeProto, _ k: Int) throws {
        let x = try activation(n, k, 0)
        guard let out = n.output.first, !out.isEmpty else { throw ONNXError(.malformed, "\(label(n, k)): the node has no output") }
        // Applied to some readers only, the normalisation would not be the model's input preprocessing.
        if (readers[n.input[0]] ?? []).count != 1 || graph.output.contains(where: { $0.name == n.input[0] }) {
            throw ONNXError(.unsupported, "\(label(n, k)): normalises the input '\(n.input[0])', which other nodes read unnormalised; prn imports an input normalisation only when every layer reads its result")
        }
        guard let (_, c) = try constant(n, k, 1) else { throw ONNXError(.malformed, "\(label(n, k)): input 1 is missing") }
        let channels = model.inputShape.count == 3 ? model.inputShape[0] : 1
        // Broadcast per channel: [C, 1, 1] or [1, C, 1, 1] (or one value for every channel).
        let perChannel = c.count == channels && c.shape.filter { $0 != 1 }.count <= 1
            && (c.count == 1 || c.shape.count >= 3 && c.shape[c.shape.count - 3] == channels)
        guard c.count == 1 || perChannel else {
            throw ONNXError(.unsupported, "\(label(n, k)): the constant has shape \(c.shape); prn imports an input normalisation by one value per channel ([\(channels), 1, 1] or [1, \(channels), 1, 1])")
        }
        let v = c.count == 1 ? [Float](repeating: c[0], count: channels) : c.array
        guard v.allSatisfy(\.isFinite) else {
            throw ONNXError(.unsupported, "\(label(n, k)): the input normalisation constant holds non-finite values")
        }
        if n.opType == "Sub" {
            guard inputMean == nil, inputStd == nil else {
                throw ONNXError(.unsupported, "\(label(n, k)): a second subtraction from the input; prn imports one Sub(mean) followed by one Div(std)")
            }
            inputMean = v
        } else {
            guard inputStd == nil else {
                throw ONNXError(.unsupported, "\(label(n, k)): a second division of the input; prn imports one Sub(mean) followed by one Div(std)")
            }
            guard v.allSatisfy({ $0 > 0 }) else {
                throw ONNXError(.unsupported, "\(label(n, k)): divides the input by \(v); an input normalisation divides by positive standard deviations")
            }
            inputStd = v
        }
        values[out] = x
    }

    /// The normalisation read from the graph's first nodes, nil when the model reads raw inputs.
    var inputStatistics: ChannelStatistics? {
        guard inputMean != nil || inputStd != nil else { return nil }
        let channels = model.inputShape.count == 3 ? model.inputShape[0] : 1
        return ChannelStatistics(mean: inputMean ?? [Float](repeating: 0, count: channels),
                                 std: inputStd ?? [Float](repeating: 1, count: channels))
    }
}

import Engine
import Foundation

/// Slice (spatial subsampling) and Pad (zero channels) as prn's option-A shortcut, the pattern
/// prn's own exporter writes for CIFAR ResNets. A Slice read only by such a Pad becomes one layer.
extension GraphImporter {
    /// Stride of a Slice that keeps every s-th row and column from the start, or nil.
    func subsampleStride(_ n: Onnx_NodeProto, _ k: Int, input: ImportedValue) throws -> Int? {
        guard input.shape.count == 3, n.input.count >= 4 else { return nil }
        func ints(_ slot: Int) throws -> [Int64]? {
            guard slot < n.input.count, let t = constants[n.input[slot]] else { return nil }
            return try ONNXTensors.int64s(t, context: label(n, k))
        }
        guard let starts = try ints(1), let ends = try ints(2), let axes = try ints(3) else { return nil }
        let steps = try ints(4) ?? Array(repeating: 1, count: axes.count)
        let normalized = axes.map { $0 < 0 ? $0 + 4 : $0 }
        guard normalized == [2, 3], starts == [0, 0], steps.count == 2, steps[0] == steps[1], steps[0] > 0,
              ends[0] >= Int64(input.shape[1]), ends[1] >= Int64(input.shape[2]) else { return nil }
        return Int(steps[0])
    }

    /// Channel padding (before, after) of a constant zero Pad on axis 1 only, or nil.
    func channelPadding(_ n: Onnx_NodeProto, _ k: Int) throws -> (Int, Int)? {
        let mode = attribute(n, "mode").map { String(decoding: $0.s, as: UTF8.self) } ?? "constant"
        guard mode == "constant", n.input.count >= 2, let t = constants[n.input[1]] else { return nil }
        if n.input.count >= 3, !n.input[2].isEmpty {
            guard let (_, v) = try constant(n, k, 2), v.count == 1, v[0] == 0 else { return nil }
        }
        let pads = try ONNXTensors.int64s(t, context: label(n, k))
        guard pads.count == 8, pads.allSatisfy({ $0 >= 0 }),
              [pads[0], pads[2], pads[3], pads[4], pads[6], pads[7]].allSatisfy({ $0 == 0 }) else { return nil }
        return (Int(pads[1]), Int(pads[5]))
    }

    mutating func slice(_ n: Onnx_NodeProto, _ k: Int) throws {
        let x = try activation(n, k, 0)
        guard let stride = try subsampleStride(n, k, input: x) else {
            throw ONNXError(.unsupported, "\(label(n, k)): prn imports Slice only as x[:, :, ::s, ::s] (constant starts 0, axes [2, 3], equal steps)")
        }
        var padding = (0, 0)
        var output = n.output.first
        if let y = n.output.first, let r = readers[y], r.count == 1, graph.output.allSatisfy({ $0.name != y }) {
            let next = graph.node[r[0]]
            if next.opType == "Pad", next.domain.isEmpty, next.input.first == y, let p = try channelPadding(next, r[0]) {
                padding = p
                output = next.output.first
                absorbed.insert(r[0])
            }
        }
        try addShortcut(n, k, x, stride: stride, padding: padding, output: output)
    }

    mutating func pad(_ n: Onnx_NodeProto, _ k: Int) throws {
        let x = try activation(n, k, 0)
        guard x.shape.count == 3, let padding = try channelPadding(n, k) else {
            throw ONNXError(.unsupported, "\(label(n, k)): prn imports Pad only as constant zero padding of the channel axis of [C, H, W]")
        }
        try addShortcut(n, k, x, stride: 1, padding: padding, output: n.output.first)
    }

    private mutating func addShortcut(_ n: Onnx_NodeProto, _ k: Int, _ x: ImportedValue, stride: Int,
                                      padding: (Int, Int), output: String?) throws {
        let layer = ShortcutA(stride: stride, padBefore: padding.0, padAfter: padding.1)
        let shape: [Int]
        do { shape = try layer.outputShape([x.shape]) } catch { throw ONNXError(.unsupported, "\(label(n, k)): \(error)") }
        // prn's exporter names these nodes "<block>.shortcut.slice" / ".pad": keep "<block>.shortcut".
        var name = nodeName(n, k)
        for suffix in [".slice", ".pad"] where name.hasSuffix(suffix) {
            let base = String(name.dropLast(suffix.count))
            if model.node(named: base) == nil { name = base }
        }
        try add(n, k, name: name, layer, inputs: [x], shape: shape, output: output)
    }
}

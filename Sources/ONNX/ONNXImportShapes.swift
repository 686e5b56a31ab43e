import Engine
import Foundation

/// One entry of a shape computed in the graph: the batch size (known only at run time) or a number.
enum ShapeEntry: Equatable {
    case batch
    case size(Int64)
}

/// A small int64 tensor computed from shapes (rank 0 or 1), followed symbolically.
struct ShapeValue {
    var entries: [ShapeEntry]
    var isScalar: Bool
}

/// The shape arithmetic `x.view(x.size(0), -1)` exports: Shape -> Gather -> Unsqueeze -> Concat
/// feeding Reshape. prn follows it symbolically (the batch size stays a symbol) and accepts the
/// Reshape when the target it arrives at flattens to [batch, features].
extension GraphImporter {
    mutating func shapeOp(_ n: Onnx_NodeProto, _ k: Int) throws {
        let here = label(n, k)
        guard let out = n.output.first, !out.isEmpty else { throw ONNXError(.malformed, "\(here): the node has no output") }
        let result: ShapeValue
        switch n.opType {
        case "Shape":
            let x = try activation(n, k, 0)
            let full: [ShapeEntry] = [.batch] + x.shape.map { .size(Int64($0)) }
            let rank = full.count
            func clamp(_ v: Int) -> Int { Swift.min(Swift.max(v < 0 ? v + rank : v, 0), rank) }
            let start = clamp(int(n, "start", default: 0)), end = clamp(int(n, "end", default: rank))
            result = ShapeValue(entries: start < end ? Array(full[start..<end]) : [], isScalar: false)
        case "Gather":
            let data = try shapeInput(n, k, 0)
            guard int(n, "axis", default: 0) == 0, !data.isScalar else {
                throw ONNXError(.unsupported, "\(here): prn imports Gather only as picking entries of a shape (axis 0)")
            }
            guard n.input.count >= 2, let t = constants[n.input[1]] else {
                throw ONNXError(.unsupported, "\(here): the indices must be a constant")
            }
            let indices = try ONNXTensors.int64s(t, context: here)
            var picked: [ShapeEntry] = []
            for i in indices {
                let j = i < 0 ? Int(i) + data.entries.count : Int(i)
                guard j >= 0, j < data.entries.count else {
                    throw ONNXError(.malformed, "\(here): index \(i) is outside a shape of \(data.entries.count) entries")
                }
                picked.append(data.entries[j])
            }
            result = ShapeValue(entries: picked, isScalar: t.dims.isEmpty)
        case "Unsqueeze", "Squeeze":
            let data = try shapeInput(n, k, 0)
            // Only rank 0 <-> rank 1 occurs in shape arithmetic: the entries stay, the rank changes.
            let toScalar = n.opType == "Squeeze"
            guard data.isScalar != toScalar, toScalar ? data.entries.count == 1 : true else {
                throw ONNXError(.unsupported, "\(here): prn follows \(n.opType) of shapes only between a scalar and a one-entry vector")
            }
            result = ShapeValue(entries: data.entries, isScalar: toScalar)
        case "Concat":
            guard int(n, "axis", default: 0) == 0 else { throw ONNXError(.unsupported, "\(here): prn concatenates shapes only on axis 0") }
            var entries: [ShapeEntry] = []
            for slot in n.input.indices { entries += try shapeInput(n, k, slot).entries }
            result = ShapeValue(entries: entries, isScalar: false)
        default:
            throw unsupported(n, k)
        }
        shapeValues[out] = result
    }

    /// A shape value or int64 constant a shape operator reads.
    func shapeInput(_ n: Onnx_NodeProto, _ k: Int, _ slot: Int) throws -> ShapeValue {
        guard slot < n.input.count, !n.input[slot].isEmpty else { throw ONNXError(.malformed, "\(label(n, k)): input \(slot) is missing") }
        let name = n.input[slot]
        if let v = shapeValues[name] { return v }
        if let t = constants[name] {
            let values = try ONNXTensors.int64s(t, context: label(n, k))
            return ShapeValue(entries: values.map { .size($0) }, isScalar: t.dims.isEmpty)
        }
        if values[name] != nil {
            throw ONNXError(.unsupported, "\(label(n, k)): input '\(name)' is a layer output; prn imports \(n.opType) only as arithmetic on shapes (as x.view(x.size(0), -1) exports it)")
        }
        throw ONNXError(.malformed, "\(label(n, k)): input '\(name)' is produced by no earlier node and held by no initializer")
    }

    /// The Reshape target: a constant, or a shape value whose batch entry must come first.
    func reshapeTarget(_ n: Onnx_NodeProto, _ k: Int) throws -> [ShapeEntry] {
        guard n.input.count >= 2 else { throw ONNXError(.malformed, "\(label(n, k)): Reshape needs a shape input") }
        if let v = shapeValues[n.input[1]] { return v.entries }
        guard let t = constants[n.input[1]] else {
            throw ONNXError(.unsupported, "\(label(n, k)): the target shape is computed by operators prn does not follow; use torch.flatten(x, 1), nn.Flatten or x.view(x.size(0), -1)")
        }
        return try ONNXTensors.int64s(t, context: label(n, k)).map { .size($0) }
    }
}

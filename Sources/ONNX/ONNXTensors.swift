import Engine
import Foundation

/// Conversions between prn tensors and ONNX TensorProto / AttributeProto values.
enum ONNXTensors {
    static let float = Int32(Onnx_TensorProto.DataType.float.rawValue)
    static let int64 = Int32(Onnx_TensorProto.DataType.int64.rawValue)
    static let double = Int32(Onnx_TensorProto.DataType.double.rawValue)

    /// A float initializer; raw little-endian bytes, as onnxruntime and PyTorch write them.
    static func proto(_ name: String, _ t: Tensor, shape: [Int]? = nil) -> Onnx_TensorProto {
        var p = Onnx_TensorProto()
        p.name = name
        p.dataType = float
        p.dims = (shape ?? t.shape).map(Int64.init)
        var bytes = Data(count: 4 * t.count)
        bytes.withUnsafeMutableBytes { raw in
            for i in 0..<t.count { raw.storeBytes(of: t[i].bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self) }
        }
        p.rawData = bytes
        return p
    }

    static func int64Proto(_ name: String, _ values: [Int64]) -> Onnx_TensorProto {
        var p = Onnx_TensorProto()
        p.name = name
        p.dataType = int64
        p.dims = [Int64(values.count)]
        p.int64Data = values
        return p
    }

    static func typeName(_ code: Int32) -> String {
        Onnx_TensorProto.DataType(rawValue: Int(code)).map { "\($0)" } ?? "type \(code)"
    }

    /// The tensor's values as Float32 (float, double, and integer types are accepted).
    static func floats(_ p: Onnx_TensorProto, context: String) throws -> Tensor {
        let shape = try dims(p, context: context)
        let count = shape.reduce(1, *)
        if p.hasDataLocation, p.dataLocation == .external {
            throw ONNXError(.unsupported, "\(context): initializer '\(p.name)' keeps its data in an external file; re-save the model with all tensors inside the .onnx file (onnx.save(model, path, save_as_external_data=False))")
        }
        let values: [Float]
        switch p.dataType {
        case float:
            values = p.hasRawData ? try rawElements(p, count: count, size: 4, context: context) { Float(bitPattern: UInt32($0)) }
                                  : p.floatData
        case double:
            values = p.hasRawData ? try rawElements(p, count: count, size: 8, context: context) { Float(Double(bitPattern: $0)) }
                                  : p.doubleData.map(Float.init)
        case int64:
            values = try int64s(p, context: context).map(Float.init)
        default:
            throw ONNXError(.unsupported, "\(context): initializer '\(p.name)' has element type \(typeName(p.dataType)); prn reads float, double and int64 tensors; convert the model to float32")
        }
        guard values.count == count else {
            throw ONNXError(.malformed, "\(context): initializer '\(p.name)' has shape \(shape) (\(count) values) but holds \(values.count) values; the file is corrupt")
        }
        // Allocated only now: the shape is a claim, the values are what the file holds.
        let t = Tensor(shape: shape)
        for i in 0..<count { t[i] = values[i] }
        return t
    }

    static func int64s(_ p: Onnx_TensorProto, context: String) throws -> [Int64] {
        let count = try dims(p, context: context).reduce(1, *)
        switch p.dataType {
        case int64:
            let v = p.hasRawData ? try rawElements(p, count: count, size: 8, context: context) { Int64(bitPattern: $0) } : p.int64Data
            guard v.count == count else {
                throw ONNXError(.malformed, "\(context): tensor '\(p.name)' should hold \(count) int64 values but holds \(v.count)")
            }
            return v
        case Int32(Onnx_TensorProto.DataType.int32.rawValue):
            return p.int32Data.map(Int64.init)
        default:
            throw ONNXError(.malformed, "\(context): tensor '\(p.name)' must hold integers, not \(typeName(p.dataType))")
        }
    }

    static func dims(_ p: Onnx_TensorProto, context: String) throws -> [Int] {
        guard p.dims.allSatisfy({ $0 >= 0 && $0 <= 1 << 31 }) else {
            throw ONNXError(.malformed, "\(context): initializer '\(p.name)' has invalid dimensions \(p.dims)")
        }
        let shape = p.dims.map(Int.init)
        guard shape.reduce(1, { $0.multipliedReportingOverflow(by: $1).partialValue }) <= 1 << 31 else {
            throw ONNXError(.unsupported, "\(context): initializer '\(p.name)' of shape \(shape) is too large")
        }
        return shape
    }

    private static func rawElements<T>(_ p: Onnx_TensorProto, count: Int, size: Int, context: String,
                                       _ make: (UInt64) -> T) throws -> [T] {
        let raw = p.rawData
        guard raw.count == count * size else {
            throw ONNXError(.malformed, "\(context): initializer '\(p.name)' has \(raw.count) bytes of data but its shape needs \(count * size); the file is corrupt")
        }
        return raw.withUnsafeBytes { b in
            (0..<count).map { i in
                size == 4 ? make(UInt64(UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))))
                          : make(UInt64(littleEndian: b.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)))
            }
        }
    }
}

/// Attribute construction and typed reads.
extension Onnx_AttributeProto {
    static func ints(_ name: String, _ v: [Int]) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto(); a.name = name; a.type = .ints; a.ints = v.map(Int64.init); return a
    }
    static func int(_ name: String, _ v: Int) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto(); a.name = name; a.type = .int; a.i = Int64(v); return a
    }
    static func float(_ name: String, _ v: Float) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto(); a.name = name; a.type = .float; a.f = v; return a
    }
    static func string(_ name: String, _ v: String) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto(); a.name = name; a.type = .string; a.s = Data(v.utf8); return a
    }
}

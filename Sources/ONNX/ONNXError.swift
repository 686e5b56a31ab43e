/// Why an ONNX model could not be written or read. Messages name the file and, where one is at
/// fault, the node (its name and operator) or the initializer, and say what would work instead;
/// the kind says which class of failure it was, so the runtime can report it with its own code.
public struct ONNXError: Error, CustomStringConvertible, Sendable {
    public enum Kind: String, Sendable {
        /// The file to import does not exist.
        case missingFile
        /// The file exists but could not be read.
        case unreadable
        /// The exported file could not be written.
        case writeFailed
        /// Not a valid ONNX model: not protobuf, an incomplete graph, tensors whose data does
        /// not match their shape.
        case malformed
        /// A valid ONNX model using an operator, attribute or layout prn does not import.
        case unsupported
        /// A prn model with a part that has no ONNX form in the exporter.
        case notExportable
    }

    public let kind: Kind
    public let description: String
    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
}

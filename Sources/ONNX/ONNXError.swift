/// Why an ONNX model could not be written or read. Messages name the file and, where one is at
/// fault, the node (its name and operator) or the initializer, and say what would work instead.
public struct ONNXError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

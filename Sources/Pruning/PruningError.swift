/// A pruning request, score set or model state that cannot be honoured. The message names the
/// option or object at fault and says how to fix it.
public struct PruningError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A pruning request, score set or model state that cannot be honoured. The message names the
/// option or object at fault and says how to fix it; the kind says which of those it was, so the
/// runtime can report it with its own code.
public struct PruningError: Error, CustomStringConvertible, Equatable {
    public enum Kind: String, Sendable {
        /// An option value or request the method refuses (amount, p=, lambda=, granularity=, steps=).
        case badOption
        /// The model lacks what the method needs (a batch norm, a prunable layer of that kind).
        case unsupportedModel
        /// The method needs data and has none, or the data does not fit the model.
        case needsData
        /// Scores, keep-sets or a snapshot that no longer describe the model.
        case staleState
    }

    public let kind: Kind
    public let message: String
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
    public var description: String { message }
}

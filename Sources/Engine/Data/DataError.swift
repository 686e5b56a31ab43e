import Foundation

/// Why a dataset could not be read. The message always names the file (or dataset) at fault,
/// what is wrong with it and what to do about it, because it is shown to users as is.
public struct DataError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: String, Sendable {
        case missingFile, badMagic, truncated, headerTooLarge, labelOutOfRange, countMismatch,
             emptyDataset, badCell, badShape, datasetNotFound, badOption, unreadable, badEncoding
        /// The file is (or inflates to) more than one data file may hold in memory: a limit of
        /// this machine's run, not a fault of the file.
        case tooLarge
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

extension DataError: LocalizedError {
    public var errorDescription: String? { message }
}

import Engine
import Language
import ONNX
import Pruning

/// The one place where the modules' typed errors become diagnostic codes: each error keeps its
/// own message (file, tensor, node or option, and the fix); the code says which class of failure
/// it was, and the code decides the exit status (`PrnExit.status(for:)`).
public enum ErrorCodes {
    public static func code(for error: Error) -> DiagnosticCode {
        switch error {
        case let e as DataError: return code(for: e.kind)
        case let e as NPYError: return code(for: e)
        case let e as ImageDataError: return code(for: e)
        case let e as SafetensorsError: return code(for: e.kind)
        case is ModelFileError, is LayerConfigError: return .badModelFile
        case let e as ONNXError: return code(for: e.kind)
        case let e as PruningError: return code(for: e.kind)
        case let e as ZooError: return e.kind == .unknownModel ? .inputNotFound : .dataMismatch
        case is ShapeError: return .dataMismatch
        case is FileWriteError: return .writeFailed
        case is TrainingDiverged: return .trainingDiverged
        default: return .verbFailed
        }
    }

    static func code(for kind: DataError.Kind) -> DiagnosticCode {
        switch kind {
        case .missingFile, .datasetNotFound: return .inputNotFound
        case .unreadable: return .inputUnreadable
        // Like every refusal at the memory budget, a failure of the run rather than of the file.
        case .tooLarge: return .verbFailed
        case .badMagic, .truncated, .headerTooLarge, .labelOutOfRange, .countMismatch, .emptyDataset, .badCell,
             .badShape, .badOption, .badEncoding:
            return .badData
        }
    }

    static func code(for error: NPYError) -> DiagnosticCode {
        if case .tooLarge = error { return .verbFailed }
        return .badData
    }

    static func code(for error: ImageDataError) -> DiagnosticCode {
        switch error {
        case .tooLarge, .imageTooLarge: return .verbFailed
        default: return .badData
        }
    }

    static func code(for kind: SafetensorsError.Kind) -> DiagnosticCode {
        switch kind {
        case .missingFile: return .inputNotFound
        case .unreadable: return .inputUnreadable
        case .tooSmall, .headerLength, .badJSON, .badEntry, .unsupportedDType, .badOffsets, .overlap, .sizeMismatch,
             .duplicateName, .badName:
            return .badModelFile
        }
    }

    static func code(for kind: ONNXError.Kind) -> DiagnosticCode {
        switch kind {
        case .missingFile: return .inputNotFound
        case .unreadable: return .inputUnreadable
        case .writeFailed: return .writeFailed
        case .malformed, .unsupported, .notExportable: return .badONNX
        }
    }

    static func code(for kind: PruningError.Kind) -> DiagnosticCode {
        switch kind {
        case .badOption: return .badMethodOption
        case .unsupportedModel: return .modelUnsupported
        case .needsData: return .dataMismatch
        case .staleState: return .staleState
        }
    }
}

extension PrnExit {
    /// The exit status of a run that a diagnostic with `code` stopped (sysexits classes).
    public static func status(for code: DiagnosticCode) -> Int32 {
        switch code {
        case .inputNotFound, .inputUnreadable: return noInput
        case .badData, .badModelFile, .badONNX, .badMethodOption, .modelUnsupported, .dataMismatch: return staticError
        case .writeFailed: return ioError
        default: return runtimeError
        }
    }

    /// The exit status of a failed run: that of its last error.
    public static func status(failing diagnostics: [Diagnostic]) -> Int32 {
        diagnostics.last(where: \.isError).map { status(for: $0.code) } ?? runtimeError
    }
}

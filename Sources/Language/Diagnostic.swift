/// Diagnostics are plain values: the stages produce them, one renderer prints them.

public enum Severity: String, Sendable, Hashable {
    case error, warning, note
}

/// A stable identifier for each kind of problem, so tests, docs and users can refer to it.
public struct DiagnosticCode: Sendable, Hashable, CustomStringConvertible {
    public let id: String
    public let summary: String

    public init(_ id: String, _ summary: String) {
        self.id = id
        self.summary = summary
    }

    public var description: String { id }

    public static func == (a: DiagnosticCode, b: DiagnosticCode) -> Bool { a.id == b.id }
    public func hash(into hasher: inout Hasher) { hasher.combine(id) }

    // MARK: Source and lexical (E0xx)
    public static let invalidUTF8 = DiagnosticCode("E001", "file is not valid UTF-8")
    public static let unexpectedCharacter = DiagnosticCode("E002", "character that cannot start a token")
    public static let unterminatedString = DiagnosticCode("E003", "string without a closing quote")
    public static let invalidEscape = DiagnosticCode("E004", "unknown escape in a string")
    public static let malformedNumber = DiagnosticCode("E005", "number that cannot be read")

    // MARK: Syntax (E1xx)
    public static let expectedToken = DiagnosticCode("E101", "a specific token was expected")
    public static let expectedExpression = DiagnosticCode("E102", "an expression was expected")
    public static let expectedStatement = DiagnosticCode("E103", "a statement was expected")
    public static let nestingTooDeep = DiagnosticCode("E104", "nesting deeper than the limit")
    public static let expectedEndOfStatement = DiagnosticCode("E105", "extra text after a statement")

    // MARK: Names (E2xx)
    public static let unknownVerb = DiagnosticCode("E201", "command is neither a verb nor a procedure")
    public static let unknownOption = DiagnosticCode("E202", "option the verb does not have")
    public static let unknownWord = DiagnosticCode("E203", "word that is not one of the allowed choices")
    public static let undefinedName = DiagnosticCode("E204", "name used before any definition")
    public static let duplicateOption = DiagnosticCode("E205", "option given twice")
    public static let duplicateDefinition = DiagnosticCode("E206", "parameter or procedure defined twice")
    public static let unknownField = DiagnosticCode("E207", "result record has no such field")

    // MARK: Types and arity (E3xx)
    public static let typeMismatch = DiagnosticCode("E301", "value of the wrong type")
    public static let outOfRange = DiagnosticCode("E302", "value outside the allowed range")
    public static let tooManyArguments = DiagnosticCode("E303", "more positional arguments than allowed")
    public static let missingArgument = DiagnosticCode("E304", "required argument missing")

    // MARK: Structure and order (E4xx)
    public static let returnOutsideProcedure = DiagnosticCode("E401", "return outside a procedure")
    public static let importNotFound = DiagnosticCode("E402", "imported file not found or not allowed")
    public static let importCycle = DiagnosticCode("E403", "files import each other")
    public static let missingPrerequisite = DiagnosticCode("E404", "verb needs a step that never ran before it")
    public static let misplacedDefinition = DiagnosticCode("E405", "def or import inside a block")
    public static let unmetNeed = DiagnosticCode("E406", "method needs a model the script does not load")
    public static let shapeMismatch = DiagnosticCode("E407", "layers of a model definition whose shapes do not fit")
    public static let recursiveModel = DiagnosticCode("E408", "model definition that uses itself")

    // MARK: Runtime (E5xx)
    public static let assertionFailed = DiagnosticCode("E501", "assert condition was false")
    public static let runtimeType = DiagnosticCode("E502", "operation on values of the wrong type")
    public static let divisionByZero = DiagnosticCode("E503", "division by zero")
    public static let verbFailed = DiagnosticCode("E504", "a verb reported an error")
    public static let cancelled = DiagnosticCode("E505", "run interrupted")
    public static let recursionTooDeep = DiagnosticCode("E506", "procedure calls nested too deeply")
    public static let valueTooDeep = DiagnosticCode("E507", "list nested deeper than the limit")
    public static let valueTooLarge = DiagnosticCode("E508", "list or string larger than the size limit")

    // MARK: Files, data, models and methods at run time (E6xx)
    public static let inputNotFound = DiagnosticCode("E601", "file, dataset or model to read does not exist")
    public static let inputUnreadable = DiagnosticCode("E602", "file exists but cannot be read")
    public static let badData = DiagnosticCode("E603", "dataset file or data option that cannot be used")
    public static let badModelFile = DiagnosticCode("E604", "model file that is malformed or does not fit its architecture")
    public static let badONNX = DiagnosticCode("E605", "ONNX model that is malformed or uses what prn does not convert")
    public static let writeFailed = DiagnosticCode("E606", "file could not be written")
    public static let badMethodOption = DiagnosticCode("E607", "pruning request or method option that cannot be honoured")
    public static let modelUnsupported = DiagnosticCode("E608", "model lacks what the method needs")
    public static let dataMismatch = DiagnosticCode("E609", "data missing or not shaped as the model or method needs")
    public static let staleState = DiagnosticCode("E610", "scores, keep-sets or snapshots that no longer match the model")
    public static let trainingDiverged = DiagnosticCode("E611", "loss or weights stopped being finite")

    /// Every code, in order, for documentation and `:help errors`.
    public static let catalog: [DiagnosticCode] = [
        invalidUTF8, unexpectedCharacter, unterminatedString, invalidEscape, malformedNumber,
        expectedToken, expectedExpression, expectedStatement, nestingTooDeep, expectedEndOfStatement,
        unknownVerb, unknownOption, unknownWord, undefinedName, duplicateOption, duplicateDefinition,
        unknownField,
        typeMismatch, outOfRange, tooManyArguments, missingArgument,
        returnOutsideProcedure, importNotFound, importCycle, missingPrerequisite, misplacedDefinition,
        unmetNeed, shapeMismatch, recursiveModel,
        assertionFailed, runtimeType, divisionByZero, verbFailed, cancelled, recursionTooDeep,
        valueTooDeep, valueTooLarge,
        inputNotFound, inputUnreadable, badData, badModelFile, badONNX, writeFailed, badMethodOption,
        modelUnsupported, dataMismatch, staleState, trainingDiverged,
    ]
}

/// Extra information attached to a diagnostic, optionally pointing elsewhere in the source.
public struct DiagnosticNote: Sendable, Hashable {
    public var message: String
    public var range: SourceRange?

    public init(_ message: String, range: SourceRange? = nil) {
        self.message = message
        self.range = range
    }
}

public struct Diagnostic: Sendable, Hashable, Error {
    public var code: DiagnosticCode
    public var severity: Severity
    public var message: String
    public var range: SourceRange
    public var notes: [DiagnosticNote]
    /// One actionable line, e.g. "did you mean 'mipp'?".
    public var help: String?

    public init(code: DiagnosticCode, severity: Severity = .error, message: String,
                range: SourceRange, notes: [DiagnosticNote] = [], help: String? = nil) {
        self.code = code
        self.severity = severity
        self.message = message
        self.range = range
        self.notes = notes
        self.help = help
    }

    public var isError: Bool { severity == .error }
}

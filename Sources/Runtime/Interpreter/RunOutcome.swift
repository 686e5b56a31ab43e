import Foundation
import Language

/// The result of one verb command during a run.
public struct CommandResult: Sendable {
    public var verb: String
    public var range: SourceRange
    public var value: Value
}

public enum RunStatus: Sendable, Equatable {
    case completed
    /// Static errors: nothing ran.
    case rejected
    /// A runtime error or failed assert stopped the run.
    case failed
    case cancelled
}

public struct RunOutcome: Sendable {
    public var status: RunStatus
    public var diagnostics: [Diagnostic]
    /// Lines written by `print`, in order.
    public var printed: [String]
    /// Every verb result in execution order.
    public var results: [CommandResult]
}

/// The command being run, set by the interpreter's thread and read by a signal's watchdog.
public final class RunningCommand: @unchecked Sendable {
    private let lock = NSLock()
    private var value: String?

    public init() {}

    public var current: String? {
        lock.lock()
        defer { lock.unlock() }
        return value
    }

    func set(_ text: String?) {
        lock.lock()
        value = text
        lock.unlock()
    }
}

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

/// Set from another thread (e.g. a Ctrl-C handler); the interpreter checks it between
/// statements and stops with a diagnostic at the statement it was about to run.
public final class CancellationFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false

    public init() {}

    public var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelled
    }

    public func cancel() {
        lock.lock()
        cancelled = true
        lock.unlock()
    }

    public func reset() {
        lock.lock()
        cancelled = false
        lock.unlock()
    }
}

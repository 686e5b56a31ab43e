import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A request to stop, set from another thread (a Ctrl-C or SIGTERM handler) and polled by long
/// work at its natural boundaries: the interpreter between statements, training, evaluation,
/// scoring and latency probes between batches. It lives in the engine so those loops can poll
/// it without knowing about the language above them.
public final class CancellationFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelledBy: Int32?
    private var lastResort: (@Sendable (Int32) -> Void)?

    public init() {}

    public var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelledBy != nil
    }

    /// The signal that asked to stop (SIGINT when none was named), nil while not cancelled.
    public var signal: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return cancelledBy
    }

    public func cancel(signal: Int32 = SIGINT) {
        lock.lock()
        if cancelledBy == nil { cancelledBy = signal }
        lock.unlock()
    }

    public func reset() {
        lock.lock()
        cancelledBy = nil
        lock.unlock()
    }

    /// Throws `Interrupted` once a stop was requested; `what` names the work for the message.
    public func check(_ what: @autoclosure () -> String) throws {
        if let sig = signal { throw Interrupted(what: what(), signal: sig) }
    }

    /// What to record when work does not reach a boundary in time and the process must end
    /// without the cooperation of the code that is running (the run log's closing events).
    public func setLastResort(_ action: (@Sendable (Int32) -> Void)?) {
        lock.lock()
        lastResort = action
        lock.unlock()
    }

    public func runLastResort() {
        lock.lock()
        let action = lastResort, sig = cancelledBy ?? SIGINT
        lock.unlock()
        action?(sig)
    }
}

/// Work stopped early because a stop was requested.
public struct Interrupted: Error, CustomStringConvertible {
    public let what: String
    public let signal: Int32

    public init(what: String, signal: Int32) {
        self.what = what
        self.signal = signal
    }
    public var description: String { "\(what) interrupted by \(Interrupted.name(signal))" }

    public static func name(_ sig: Int32) -> String {
        switch sig {
        case SIGINT: return "Ctrl-C (SIGINT)"
        case SIGTERM: return "SIGTERM"
        default: return "signal \(sig)"
        }
    }
}

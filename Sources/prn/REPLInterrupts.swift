import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Engine
import Runtime

/// Ctrl-C in the REPL. At the prompt it discards the line. During a command the first one asks
/// the command to stop at its next batch boundary (the session stays, the model as of the last
/// finished step); a second one during the same command exits with status 130.
///
/// The signal handler only records the signal and writes a byte to a pipe (both safe inside a
/// handler); a watcher thread does the rest. The handler is installed without SA_RESTART so a
/// Ctrl-C also wakes libedit's read at the prompt.
enum REPLInterrupts {
    /// Set by the handler, cleared by the prompt: a Ctrl-C arrived since the prompt was shown.
    nonisolated(unsafe) private static var interruptFlag = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
    nonisolated(unsafe) private static var terminateFlag = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
    nonisolated(unsafe) private static var pipeWrite: Int32 = -1
    nonisolated(unsafe) private static var wakeWrite: Int32 = -1
    /// Becomes readable on every Ctrl-C, for the line editor's wait at the prompt.
    nonisolated(unsafe) private(set) static var wakeDescriptor: Int32 = -1
    /// The thread that reads lines: the signal must interrupt its read, whichever thread the
    /// kernel picked (the engine's worker threads do not block signals).
    nonisolated(unsafe) private static var mainThread = pthread_self()
    private static let lock = NSLock()
    nonisolated(unsafe) private static var running = false
    nonisolated(unsafe) private static var countDuringCommand = 0
    nonisolated(unsafe) private static var cancellation: CancellationFlag?
    nonisolated(unsafe) private static var beforeExit: () -> Void = {}

    static func install(_ flag: CancellationFlag, beforeExit: @escaping () -> Void) {
        interruptFlag.pointee = 0
        terminateFlag.pointee = 0
        mainThread = pthread_self()
        cancellation = flag
        self.beforeExit = beforeExit
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return }
        pipeWrite = fds[1]
        let readEnd = fds[0]
        var wake: [Int32] = [-1, -1]
        if pipe(&wake) == 0 {
            // Never block inside the handler, even if nobody drains the pipe.
            _ = fcntl(wake[1], F_SETFL, fcntl(wake[1], F_GETFL) | O_NONBLOCK)
            wakeWrite = wake[1]
            wakeDescriptor = wake[0]
        }
        let watcher = Thread { watch(readEnd) }
        watcher.name = "prn-interrupts"
        watcher.start()
        for sig in [SIGINT, SIGTERM] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = replSignalHandler
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            sigaction(sig, &action, nil)
        }
    }

    /// Called before reading a line: forget Ctrl-C presses that were already handled.
    static func atPrompt() { interruptFlag.pointee = 0 }

    /// Whether Ctrl-C was pressed since `atPrompt()`.
    static var interruptPending: Bool { interruptFlag.pointee != 0 }

    /// SIGTERM: leave after the current command.
    static var terminationRequested: Bool { terminateFlag.pointee != 0 }

    static func beginCommand() {
        lock.lock()
        running = true
        countDuringCommand = 0
        lock.unlock()
    }

    static func endCommand() {
        lock.lock()
        running = false
        countDuringCommand = 0
        lock.unlock()
        interruptFlag.pointee = 0
    }

    fileprivate static func record(_ sig: Int32) {
        if pthread_equal(pthread_self(), mainThread) == 0 {
            pthread_kill(mainThread, sig)
            return
        }
        if sig == SIGTERM { terminateFlag.pointee = 1 } else { interruptFlag.pointee = 1 }
        var byte = UInt8(truncatingIfNeeded: sig)
        _ = write(pipeWrite, &byte, 1)
        if wakeWrite >= 0 { _ = write(wakeWrite, &byte, 1) }
    }

    private static func watch(_ fd: Int32) {
        var byte: UInt8 = 0
        while true {
            let n = read(fd, &byte, 1)
            if n < 0 && errno == EINTR { continue }
            guard n == 1 else { return }
            lock.lock()
            let inCommand = running
            if inCommand { countDuringCommand += 1 }
            let count = countDuringCommand
            lock.unlock()
            guard inCommand else { continue }
            if Int32(byte) == SIGTERM {
                // SIGTERM ends the session: the command gets the same grace as under `prn run`.
                FileHandle.standardError.write(Data("\nprn: SIGTERM: stopping the running command, then exiting\n".utf8))
                cancellation?.cancel(signal: SIGTERM)
                DispatchQueue.global().asyncAfter(deadline: .now() + RunInterrupts.grace) {
                    beforeExit()
                    _exit(PrnExit.terminated)
                }
            } else if count == 1 {
                FileHandle.standardError.write(Data("\nprn: interrupt: stopping the running command (Ctrl-C again to exit)\n".utf8))
                cancellation?.cancel(signal: SIGINT)
            } else {
                FileHandle.standardError.write(Data("\nprn: interrupted again, exiting\n".utf8))
                beforeExit()
                exit(PrnExit.interrupted)
            }
        }
    }
}

private func replSignalHandler(_ sig: Int32) {
    REPLInterrupts.record(sig)
}

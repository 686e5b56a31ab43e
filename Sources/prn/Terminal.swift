import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Runtime

enum Terminal {
    static func isTTY(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    /// Colour only on a terminal, and never when NO_COLOR is set (any value).
    static var colourOnStandardError: Bool {
        isTTY(2) && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    }
}

/// A one-line progress bar on standard error, redrawn in place (terminals only).
final class TerminalProgress: ProgressDisplay {
    private var active = false
    private var lastDraw = DispatchTime(uptimeNanoseconds: 0)

    func update(_ line: String) {
        let now = DispatchTime.now()
        // Redraw at most ten times a second: terminals are slow and batches are fast.
        guard now.uptimeNanoseconds - lastDraw.uptimeNanoseconds > 100_000_000 else { return }
        lastDraw = now
        FileHandle.standardError.write(Data("\r\u{1B}[2K\(line)".utf8))
        active = true
    }

    func finish() {
        guard active else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
        active = false
    }
}

/// Ctrl-C / SIGTERM: the first asks the running command to stop at its next batch boundary
/// (the run log is already on disk, written after each event); a second exits at once.
enum Interrupts {
    nonisolated(unsafe) static var sources: [DispatchSourceSignal] = []
    nonisolated(unsafe) static var count = 0

    static func install(_ flag: CancellationFlag) {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                count += 1
                if count > 1 {
                    FileHandle.standardError.write(Data("\nprn: interrupted again, exiting\n".utf8))
                    exit(130)
                }
                FileHandle.standardError.write(Data("\nprn: interrupt: stopping at the next batch boundary (again to exit now)\n".utf8))
                flag.cancel()
            }
            source.resume()
            sources.append(source)
        }
    }
}

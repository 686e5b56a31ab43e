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

import Dispatch
import Engine
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Runtime

/// Ctrl-C / SIGTERM during `prn run`. The first asks the running command to stop at its next
/// boundary (a batch of training, evaluation or scoring, a latency run, a statement). Work that
/// has no boundary within reach (one forward pass of a huge model, a decompression, an import)
/// gets `grace` seconds; then the watchdog closes the run log with what was running and ends
/// the process with 128 + the signal. A second signal ends it at once the same way.
enum RunInterrupts {
    static let grace: Double = 1.0
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
                    forceExit(flag)
                }
                flag.cancel(signal: sig)
                FileHandle.standardError.write(Data("\nprn: \(Interrupted.name(sig)): stopping the running command (again to exit now)\n".utf8))
                DispatchQueue.global().asyncAfter(deadline: .now() + grace) {
                    FileHandle.standardError.write(Data("prn: the command did not stop within \(grace) s; exiting\n".utf8))
                    forceExit(flag)
                }
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Records the stop in the run log and leaves without running the code still in progress.
    static func forceExit(_ flag: CancellationFlag) -> Never {
        flag.runLastResort()
        fflush(nil)
        _exit(PrnExit.stopped(by: flag.signal))
    }
}

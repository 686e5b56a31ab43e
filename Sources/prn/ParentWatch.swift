import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A run started by `prn sweep` stops when the sweep is gone (killed with SIGKILL, which it
/// cannot forward): otherwise the run would go on writing a log that the next sweep, started
/// meanwhile, needs. The sweep names itself in `PRN_SWEEP_PARENT`; when this process's parent is
/// no longer that process, the run stops as if it had been sent SIGTERM (its log ends cancelled).
enum ParentWatch {
    static let variable = "PRN_SWEEP_PARENT"

    static func start() {
        guard let text = ProcessInfo.processInfo.environment[variable], let parent = Int32(text), parent > 1 else { return }
        Thread.detachNewThread {
            while getppid() == parent { usleep(200_000) }
            kill(getpid(), SIGTERM)
        }
    }
}

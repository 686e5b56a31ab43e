import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Peak resident memory of this process during one workload, for the memory comparison with
/// PyTorch (`peak_rss_mb` on the training lines of `prn bench`).
///
/// On Linux the kernel's high-water mark (VmHWM) can be reset to the current resident set by
/// writing 5 to /proc/self/clear_refs, so a workload's peak is measured even when other
/// workloads ran before it in the same process: what was already resident (the program, the
/// data, the model, memory the allocator kept) plus what the workload added. Where the mark
/// cannot be reset, the peak is the process's since it started (getrusage's ru_maxrss).
enum PeakMemory {
    /// Starts a measurement; false when the high-water mark could not be reset.
    @discardableResult
    static func reset() -> Bool {
        #if os(Linux)
        guard let f = fopen("/proc/self/clear_refs", "w") else { return false }
        defer { fclose(f) }
        return fputs("5", f) >= 0 && fflush(f) == 0
        #else
        return false
        #endif
    }

    /// Peak resident set in megabytes (10^6 bytes) since the last `reset()` (or the start).
    static func megabytes() -> Double {
        #if os(Linux)
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
           let kb = Double(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") {
            return kb * 1024 / 1e6
        }
        #endif
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)  // Glibc imports the constant as an enum case
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        #if os(Linux)
        return Double(usage.ru_maxrss) * 1024 / 1e6  // kilobytes on Linux
        #else
        return Double(usage.ru_maxrss) / 1e6         // bytes on macOS
        #endif
    }
}

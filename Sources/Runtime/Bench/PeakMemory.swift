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
/// A reset counts only when the mark then reads as the current resident set, so a write that is
/// accepted without effect reports the process's peak, marked as such, instead of passing it
/// off as the workload's.
enum PeakMemory {
    /// Starts a measurement; false when the high-water mark could not be reset.
    @discardableResult
    static func reset() -> Bool {
        #if os(Linux)
        guard let f = fopen("/proc/self/clear_refs", "w") else { return false }
        let written = fputs("5", f) >= 0 && fflush(f) == 0
        fclose(f)
        guard written, let hwm = statusKilobytes("VmHWM:"), let rss = statusKilobytes("VmRSS:") else { return false }
        return hwm <= rss + 1024  // the resident set may grow by a few pages between the two reads
        #else
        return false
        #endif
    }

    /// A `/proc/self/status` field in kilobytes.
    private static func statusKilobytes(_ field: String) -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) }) else { return nil }
        return Double(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
    }

    /// Peak resident set in megabytes (10^6 bytes) since the last `reset()` (or the start).
    static func megabytes() -> Double {
        #if os(Linux)
        if let kb = statusKilobytes("VmHWM:") { return kb * 1024 / 1e6 }
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

import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Runtime

/// `repl-startup`: seconds from launching `prn` on a pseudo-terminal to its first prompt
/// (median of several launches), measured on this very binary.
enum ReplStartupBench {
    static func measure(runs: Int = 9) -> BenchResult? {
        guard let exe = Bundle.main.executablePath else { return nil }
        var times: [Double] = []
        for _ in 0..<runs {
            guard let t = once(exe) else { return nil }
            times.append(t)
        }
        times.sort()
        return BenchResult("repl-startup", seconds: times[times.count / 2], extra: ["max_seconds": times.last ?? 0])
    }

    private static func once(_ exe: String) -> Double? {
        var master: Int32 = 0, slave: Int32 = 0
        guard openpty(&master, &slave, nil, nil, nil) == 0 else { return nil }
        defer { close(master) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        var env = ProcessInfo.processInfo.environment
        env["PRN_HISTORY"] = ""
        env["TERM"] = "xterm"
        // As launched from a shell: prn then sets the OpenBLAS spin limit and re-executes itself
        // (BLASSpinLimit), which is part of what a user waits for.
        env[BLASSpinLimit.variable] = nil
        p.environment = env
        let tty = FileHandle(fileDescriptor: slave, closeOnDealloc: true)
        p.standardInput = tty; p.standardOutput = tty; p.standardError = tty
        let start = DispatchTime.now().uptimeNanoseconds
        do { try p.run() } catch { return nil }
        var seen = ""
        var buffer = [UInt8](repeating: 0, count: 4096)
        var result: Double?
        let deadline = start + 5_000_000_000
        while DispatchTime.now().uptimeNanoseconds < deadline {
            var fds = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            guard poll(&fds, 1, 100) > 0 else { continue }
            let n = read(master, &buffer, buffer.count)
            if n <= 0 { break }
            seen += String(decoding: buffer[0..<n], as: UTF8.self)
            if seen.contains("prn> ") {
                result = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                break
            }
        }
        // Leave the way a user would; SIGKILL if it does not (never leave a child behind).
        _ = ":quit\n".withCString { write(master, $0, 6) }
        let quitDeadline = DispatchTime.now().uptimeNanoseconds + 2_000_000_000
        while p.isRunning && DispatchTime.now().uptimeNanoseconds < quitDeadline {
            var fds = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            if poll(&fds, 1, 20) > 0 { _ = read(master, &buffer, buffer.count) }
        }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        return result
    }
}

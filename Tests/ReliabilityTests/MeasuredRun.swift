import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Runs the built `prn` binary once and reports, besides how it ended, its peak resident memory
/// and elapsed time. Foundation's Process reaps its children itself, so this spawns and waits
/// with wait4, the only call that returns one child's own resource usage.
struct MeasuredRun {
    var status: Int32
    var signalled: Bool
    var stderr: String
    /// Peak resident set size in bytes, as wait4 reports it. posix_spawn starts the child in the
    /// test process's memory (vfork), and Linux keeps the larger of the old and new high-water
    /// marks across exec, so this is at least the test process's own peak.
    var peakBytes: Int
    /// The test process's peak when the child was spawned: what `peakBytes` may inherit.
    var spawnerPeakBytes: Int
    var seconds: Double

    /// How far the child's peak rose above what it inherited; its own peak when that was larger.
    var peakAboveSpawnerBytes: Int { max(0, peakBytes - spawnerPeakBytes) }

    var summary: String {
        "status \(status)\(signalled ? " (signal)" : ""), peak \(peakBytes >> 20) MB (\(peakAboveSpawnerBytes >> 20) MB above the test process's \(spawnerPeakBytes >> 20) MB), \(String(format: "%.1f", seconds)) s\nstderr:\n\(stderr.suffix(1500))"
    }

    static func run(_ arguments: [String], in folder: URL, environment: [String: String]) throws -> MeasuredRun {
        let binary = try PrnProcess.binary()
        let errURL = folder.appendingPathComponent(".stderr-\(UUID().uuidString)")
        var env = ["PATH": "/usr/bin:/bin", "HOME": folder.path, "NO_COLOR": "1"]
        env.merge(environment) { _, new in new }
        let argv = ([binary.path] + arguments).map { strdup($0) }
        let envp = env.map { strdup("\($0.key)=\($0.value)") }
        defer { (argv + envp).forEach { free($0) } }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, errURL.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let previous = FileManager.default.currentDirectoryPath
        guard FileManager.default.changeCurrentDirectoryPath(folder.path) else {
            throw XCTSkip("cannot enter \(folder.path)")
        }
        defer { _ = FileManager.default.changeCurrentDirectoryPath(previous) }

        var own = rusage()
        getrusage(RUSAGE_SELF.rawValue, &own)
        var pid: pid_t = 0
        let start = Date()
        let spawned = posix_spawn(&pid, binary.path, &actions, nil, argv + [nil], envp + [nil])
        guard spawned == 0 else { throw XCTSkip("posix_spawn failed with \(spawned)") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let seconds = Date().timeIntervalSince(start)
        let text = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(at: errURL)
        let signalled = status & 0x7F != 0
        return MeasuredRun(status: signalled ? status & 0x7F : (status >> 8) & 0xFF, signalled: signalled, stderr: text,
                           peakBytes: usage.ru_maxrss * 1024, spawnerPeakBytes: own.ru_maxrss * 1024, seconds: seconds)
    }
}

import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Runs the built `prn` binary in a folder with a chosen environment and a time limit, and
/// reports how it ended: exit status, killed by a signal, or still running at the limit.
struct PrnProcess {
    struct Outcome {
        var status: Int32
        /// True when the process died of a signal (a trap or crash), `status` is then the signal.
        var signalled: Bool
        var timedOut: Bool
        var stdout: String
        var stderr: String

        var summary: String {
            "status \(status)\(signalled ? " (signal)" : "")\(timedOut ? " (timed out)" : "")\nstderr:\n\(stderr.suffix(1500))"
        }
    }

    static func binary() throws -> URL {
        if let explicit = ProcessInfo.processInfo.environment["PRN_BINARY"] { return URL(fileURLWithPath: explicit) }
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("prn")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder.deleteLastPathComponent()
        }
        throw XCTSkip("the prn binary was not found beside the tests; build it with 'swift build --product prn' or set PRN_BINARY")
    }

    let process = Process()
    let outURL: URL
    let errURL: URL

    /// Starts `prn ARGS` (or another `executable`) in `folder`; `environment` is added to a
    /// minimal base environment.
    init(_ arguments: [String], in folder: URL, executable: URL? = nil, environment: [String: String] = [:]) throws {
        process.executableURL = try executable ?? Self.binary()
        process.arguments = arguments
        process.currentDirectoryURL = folder
        var env = ["PATH": "/usr/bin:/bin", "HOME": folder.path, "NO_COLOR": "1",
                   "PRN_HISTORY": folder.appendingPathComponent(".history").path]
        env.merge(environment) { _, new in new }
        process.environment = env
        outURL = folder.appendingPathComponent(".stdout-\(UUID().uuidString)")
        errURL = folder.appendingPathComponent(".stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var stderrSoFar: String { (try? String(contentsOf: errURL, encoding: .utf8)) ?? "" }

    /// Waits up to `timeout` seconds; a process still running then is killed and reported.
    func wait(timeout: Double) -> Outcome {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        let timedOut = process.isRunning
        if timedOut { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        let out = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(at: outURL)
        try? FileManager.default.removeItem(at: errURL)
        return Outcome(status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal,
                       timedOut: timedOut, stdout: out, stderr: err)
    }

    /// Runs to completion (or the time limit).
    static func run(_ arguments: [String], in folder: URL, executable: URL? = nil, environment: [String: String] = [:],
                    timeout: Double = 60) throws -> Outcome {
        try PrnProcess(arguments, in: folder, executable: executable, environment: environment).wait(timeout: timeout)
    }
}

/// A fresh temporary folder per test, removed afterwards.
final class TemporaryFolder {
    let url: URL

    init(_ label: String) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("prn-rel-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ relative: String) -> URL { url.appendingPathComponent(relative) }

    func write(_ relative: String, _ bytes: [UInt8]) throws {
        let target = path(relative)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: target)
    }

    func write(_ relative: String, text: String) throws { try write(relative, Array(text.utf8)) }
}

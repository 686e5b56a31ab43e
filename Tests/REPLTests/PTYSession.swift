import Foundation
import XCTest

/// One step of a terminal conversation with `prn`.
enum Step {
    case send(String)
    /// Waits until the text appears after the previous match.
    case expect(String, timeout: Double = 20)
    case pause(Double)
    case waitForExit(Double = 10)

    var json: [String: Any] {
        switch self {
        case .send(let keys): return ["send": keys]
        case .expect(let text, let timeout): return ["expect": text, "timeout": timeout]
        case .pause(let seconds): return ["sleep": seconds]
        case .waitForExit(let seconds): return ["wait_exit": seconds]
        }
    }
}

struct PTYReport {
    var ok: Bool
    var error: String?
    var status: Int?
    var firstPromptMilliseconds: Double?
    var transcript: String
}

/// Runs the built `prn` in a pseudo-terminal (through python3's pty module).
enum PTYSession {
    static let ctrlC = "\u{03}", ctrlD = "\u{04}", tab = "\t", enter = "\r", up = "\u{1B}[A"

    /// `.build/<config>/prn`, beside the test bundle.
    static func prnBinary() throws -> URL {
        if let explicit = ProcessInfo.processInfo.environment["PRN_BINARY"] { return URL(fileURLWithPath: explicit) }
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("prn")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder.deleteLastPathComponent()
        }
        throw XCTSkip("the prn binary was not found beside the tests (\(CommandLine.arguments[0])); build it with 'swift build --product prn' or set PRN_BINARY")
    }

    static func python() throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(folder)).appendingPathComponent("python3")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw XCTSkip("python3 is not on PATH: the pseudo-terminal tests of the REPL need its pty module")
    }

    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("prn-repl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs one conversation. `folder` is the working directory and HOME (no ~/.editrc).
    static func run(_ steps: [Step], arguments: [String] = [], folder: URL, history: URL) throws -> PTYReport {
        let python = try python()
        let binary = try prnBinary()
        let script = folder.appendingPathComponent("pty_driver.py")
        try Data(PTYDriverScript.source.utf8).write(to: script)
        let spec: [String: Any] = [
            "argv": [binary.path] + arguments, "cwd": folder.path,
            "env": ["PRN_HISTORY": history.path, "HOME": folder.path, "NO_COLOR": "1", "TERM": "xterm"],
            "steps": steps.map(\.json),
        ]
        let specURL = folder.appendingPathComponent("spec-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: spec).write(to: specURL)
        let process = Process()
        process.executableURL = python
        process.arguments = [script.path, specURL.path]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw NSError(domain: "PTYSession", code: 1, userInfo: [NSLocalizedDescriptionKey: "driver printed no report: \(String(decoding: data, as: UTF8.self))"])
        }
        return PTYReport(ok: json["ok"] as? Bool ?? false, error: json["error"] as? String, status: json["status"] as? Int,
                         firstPromptMilliseconds: json["first_prompt_ms"] as? Double,
                         transcript: json["transcript"] as? String ?? "")
    }

    /// Runs `prn run FILE` (no terminal) and returns standard output.
    static func runScript(_ file: URL, folder: URL) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = try prnBinary()
        process.arguments = ["run", file.path]
        process.currentDirectoryURL = folder
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

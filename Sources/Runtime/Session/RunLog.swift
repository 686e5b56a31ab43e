import Engine
import Foundation

/// The run log: JSON lines, a manifest first (prn version, script hash, seed, data identity,
/// machine), then one event per command with its results. The whole file is rewritten
/// atomically after every event, so it is always complete and readable, even after a crash or
/// an interrupt; logs are small, so this costs nothing measurable.
public final class RunLog: @unchecked Sendable {
    public let url: URL
    /// The first line, kept so a report of this session names its script and prn version.
    public let manifest: RunLogRecord
    private var lines: [String] = []
    private let lock: RunLogLock
    /// Appends come from the interpreter and, once, from a signal's watchdog thread.
    private let appending = NSLock()
    private var closed = false

    /// Opens the log for one run: creates missing folders (as `report` does, so `--log
    /// runs/seed0.jsonl` works in a fresh checkout), refuses a target that is not a regular file,
    /// takes the lock that keeps other runs off this log, and writes the manifest.
    public init(url: URL, manifest: RunLogRecord) throws {
        self.url = url
        self.manifest = manifest
        let folder = url.deletingLastPathComponent()
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw RunLogError("cannot create the folder \(folder.path) for the run log \(url.path) (\(error.localizedDescription))",
                              help: "check that the folder can be created, or write the log elsewhere")
        }
        try AtomicFile.checkReplaceable(url)
        lock = try RunLogLock(for: url)
        try append(manifest)
    }

    public func append(_ record: RunLogRecord) throws {
        appending.lock()
        defer { appending.unlock() }
        guard !closed else { return }
        try write(record)
    }

    /// Writes the closing events and refuses every later append: after a forced stop nothing
    /// may follow the `end` event.
    public func close(with records: [RunLogRecord]) {
        appending.lock()
        defer { appending.unlock() }
        guard !closed else { return }
        for record in records { try? write(record) }
        closed = true
    }

    private func write(_ record: RunLogRecord) throws {
        lines.append(try RunLogCodec.encode(record))
        try AtomicFile.write(Data((lines.joined(separator: "\n") + "\n").utf8), to: url)
    }

    public static func manifest(scriptName: String, scriptText: String, seed: UInt64,
                                settings: [String: String]? = nil) -> RunLogRecord {
        var info = utsname()
        uname(&info)
        func field<T>(_ v: T) -> String {
            withUnsafeBytes(of: v) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        let manifest = RunLogEvent.Manifest(
            prnVersion: PrnVersion.string, script: scriptName,
            scriptHash: String(RandomStream.stableHash(scriptText), radix: 16),
            machine: "\(field(info.sysname)) \(field(info.release)) \(field(info.machine))",
            cores: ProcessInfo.processInfo.activeProcessorCount, threads: Parallel.threads, blas: BLAS.backend,
            started: ISO8601DateFormatter().string(from: Date()), set: settings)
        return RunLogRecord(.manifest(manifest), seed: seed)
    }
}

/// A run log that cannot be opened or written (exit 74); names the log and the fix.
public struct RunLogError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public let help: String?

    init(_ message: String, help: String? = nil) {
        self.message = message
        self.help = help
    }

    public var description: String { help.map { "\(message); \($0)" } ?? message }
}

public enum PrnVersion {
    public static let string = "0.1.0"
}

import Foundation
import XCTest

/// Finds a Python with the packages a test needs and runs small scripts in it.
///
/// Order: $PRN_PYTHON, the environment scripts/setup-interop prepares
/// ($XDG_CACHE_HOME or ~/.cache)/prn/interop-venv, /usr/bin/python3, python3 on PATH. Tests that
/// need Python skip (with the reason) only when no candidate has the modules.
enum PythonRunner {
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static var candidates: [String] {
        let env = ProcessInfo.processInfo.environment
        var list: [String] = []
        if let p = env["PRN_PYTHON"], !p.isEmpty { list.append(p) }
        let cache = env["XDG_CACHE_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache")
        list.append(cache.appendingPathComponent("prn/interop-venv/bin/python").path)
        list.append("/usr/bin/python3")
        for dir in (env["PATH"] ?? "").split(separator: ":") { list.append("\(dir)/python3") }
        return list.filter { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// A Python that imports every module in `modules`. Where it is missing the test is skipped
    /// on a developer's machine but fails under CI (the `CI` variable set, as `.ci/run` does):
    /// CI prepares the interop environment (scripts/setup-interop), so its absence there is a fault.
    static func require(_ modules: [String], file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let probe = "import " + modules.joined(separator: ", ")
        for python in candidates {
            if let r = try? run(python, arguments: ["-c", probe]), r.status == 0 { return python }
        }
        let skip = XCTSkip("no Python with \(modules.joined(separator: ", ")) found (tried \(candidates.joined(separator: ", "))); run scripts/setup-interop or set PRN_PYTHON")
        if let ci = ProcessInfo.processInfo.environment["CI"], !ci.isEmpty, ci != "false" {
            XCTFail("CI is set but the interop Python is missing: \(skip)", file: file, line: line)
        }
        throw skip
    }

    static func run(_ python: String, arguments: [String]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["PYTHONPATH"] = repositoryRoot.appendingPathComponent("scripts").path
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        p.environment = env
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Writes `source` to the work directory and runs it with `arguments`; fails the test on a
    /// non-zero exit, showing the script's output.
    static func script(_ python: String, _ source: String, in dir: URL, arguments: [String] = [],
                       file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let url = dir.appendingPathComponent("script-\(UUID().uuidString.prefix(8)).py")
        try source.write(to: url, atomically: true, encoding: .utf8)
        let r = try run(python, arguments: [url.path] + arguments)
        XCTAssertEqual(r.status, 0, "python script failed:\n\(r.output)", file: file, line: line)
        return r.output
    }
}

/// Scratch directory per test, removed afterwards.
func makeWorkDirectory() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("prn-interop-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

/// Raw little-endian float32 files, the exchange format with the Python side (numpy.fromfile).
enum RawFloats {
    static func write(_ values: [Float], to url: URL) throws {
        var data = Data(capacity: 4 * values.count)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        try data.write(to: url)
    }

    static func read(_ url: URL) throws -> [Float] {
        let data = try Data(contentsOf: url)
        return data.withUnsafeBytes { b in
            (0..<(data.count / 4)).map { Float(bitPattern: UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
    }
}

func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "compared arrays differ in length: \(a.count) vs \(b.count)")
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

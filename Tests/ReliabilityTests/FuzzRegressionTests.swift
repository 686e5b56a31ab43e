import Foundation
import Language
import Runtime
import XCTest

/// Inputs a fuzzer (scripts/fuzz) once crashed or hung on, and hand-made hostile inputs of the
/// same kinds, kept per fuzz target in Fuzz/regressions/TARGET/. Each is replayed through the
/// built `prn` binary the way a user would meet it (`prn check`, `prn report`, `load`, `data`),
/// in a child process, so a crash fails the test instead of killing the test runner.
final class FuzzRegressionTests: XCTestCase {
    static let folder = RepoPaths.root.appendingPathComponent("Fuzz/regressions")

    /// The targets of scripts/fuzz; each must keep at least one input here.
    static let targets = ["language", "runlog", "safetensors", "onnx", "idx"]

    static func inputs(_ target: String) -> [URL] {
        let dir = folder.appendingPathComponent(target)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.sorted().filter { !$0.hasPrefix(".") }.map { dir.appendingPathComponent($0) }
    }

    /// A missing or empty folder would make the replay below pass while testing nothing.
    func testEveryTargetHasRecordedInputs() throws {
        for target in Self.targets {
            XCTAssertFalse(Self.inputs(target).isEmpty, "Fuzz/regressions/\(target)/ is missing or empty")
        }
        let present = (try? FileManager.default.contentsOfDirectory(atPath: Self.folder.path)) ?? []
        for name in present where !name.hasPrefix(".") && !Self.targets.contains(name) {
            XCTFail("Fuzz/regressions/\(name) is not a fuzz target's folder (\(Self.targets.joined(separator: ", ")))")
        }
    }

    func testEveryRecordedInputEndsWithoutACrash() throws {
        _ = try PrnProcess.binary()
        var failures = [String]()
        var replayed = 0
        for target in Self.targets {
            for input in Self.inputs(target) {
                for (role, outcome, allowed) in try Replay.run(target, input) {
                    replayed += 1
                    var problems = [String]()
                    if outcome.timedOut { problems.append("did not finish within \(Replay.timeout) s") }
                    if outcome.signalled { problems.append("died of signal \(outcome.status)") }
                    if !outcome.signalled && !allowed.contains(outcome.status) { problems.append("exit \(outcome.status), expected one of \(allowed)") }
                    for crash in ["Fatal error", "Stack dump", "Illegal instruction", "Segmentation fault"] where outcome.stderr.contains(crash) {
                        problems.append("stderr shows a crash ('\(crash)')")
                    }
                    if !problems.isEmpty {
                        failures.append("[\(target)/\(input.lastPathComponent)\(role)] " + problems.joined(separator: "; ")
                                        + "\n  stderr: " + outcome.stderr.prefix(600))
                    }
                }
            }
        }
        XCTAssertGreaterThan(replayed, 0, "no regression input was replayed")
        XCTAssert(failures.isEmpty, "\(failures.count) of \(replayed) replays failed:\n" + failures.joined(separator: "\n"))
    }

    /// Hand-written hostile shapes the fuzzer reaches only slowly.
    func testPathologicalScriptsGiveDiagnostics() {
        let cases: [(String, String)] = [
            ("nested blocks", String(repeating: "if true {\n", count: 5000) + String(repeating: "}\n", count: 5000)),
            ("nested lists", "let x = " + String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000)),
            ("nested parentheses", "print " + String(repeating: "(", count: 200_000) + "1" + String(repeating: ")", count: 200_000)),
            ("unary chain", "let x = " + String(repeating: "-", count: 200_000) + "1"),
            ("not chain", "let x = " + String(repeating: "not ", count: 100_000) + "true"),
            ("long binary chain", "let x = 1" + String(repeating: " + 1", count: 100_000)),
            ("long field chain", "let x = a" + String(repeating: ".b", count: 100_000)),
            ("self import", "import \"fuzz.prn\"\n"),
            ("unterminated string", "print \"" + String(repeating: "a", count: 100_000)),
            ("huge number", "train epochs=" + String(repeating: "9", count: 5000)),
            ("nul bytes", "seed 1\u{0}\u{0}\n"),
        ]
        for (name, text) in cases {
            let start = Date()
            let diagnostics = FrontEnd.run(Array(text.utf8), name: "fuzz.prn")
            XCTAssertLessThan(Date().timeIntervalSince(start), 10, "\(name) took too long")
            if name != "nul bytes" { XCTAssertFalse(diagnostics.isEmpty, "\(name) was accepted") }
        }
    }
}

/// Feeds one recorded input to the `prn` command that reads that kind of file.
enum Replay {
    static let timeout = 60.0
    typealias Result = (role: String, outcome: PrnProcess.Outcome, allowed: [Int32])

    static func run(_ target: String, _ input: URL) throws -> [Result] {
        let bytes = [UInt8](try Data(contentsOf: input))
        let folder = try TemporaryFolder("replay-\(target)")
        switch target {
        case "language":
            // As in Fuzz/Targets/LanguageFuzz.swift, lines `#--- NAME` start a module the script can import.
            let parts = modules(bytes)
            try folder.write("main.prn", parts[0].body)
            for (name, body) in parts.dropFirst() where !name.isEmpty && !name.contains("/") && name != ".." && name != "main.prn" {
                try folder.write(name, body)
            }
            return [("", try PrnProcess.run(["check", "main.prn"], in: folder.url, timeout: timeout),
                     [PrnExit.success, PrnExit.usage, PrnExit.staticError])]
        case "runlog":
            try folder.write("log.jsonl", bytes)
            return [("", try PrnProcess.run(["report", "log.jsonl", "--out", "out"], in: folder.url, timeout: timeout),
                     [PrnExit.success, PrnExit.staticError])]
        case "safetensors", "onnx":
            try folder.write("model.\(target)", bytes)
            try folder.write("main.prn", text: "load \"model.\(target)\"\n")
            return [("", try PrnProcess.run(["run", "main.prn"], in: folder.url, timeout: timeout),
                     [PrnExit.success, PrnExit.staticError, PrnExit.runtimeError])]
        case "idx":
            // The same bytes as the training images, then as the training labels.
            var results: [Result] = []
            for (role, key) in [(" as images", "trainImages"), (" as labels", "trainLabels")] {
                let folder = try TemporaryFolder("replay-idx")
                try DataFixtures.mnist(in: folder, replace: [key: bytes])
                try folder.write("main.prn", text: "data mnist\n")
                let outcome = try PrnProcess.run(["run", "main.prn"], in: folder.url,
                                                 environment: ["PRN_DATA": folder.path("data").path], timeout: timeout)
                results.append((role, outcome, [PrnExit.success, PrnExit.staticError, PrnExit.runtimeError]))
            }
            return results
        default:
            XCTFail("no replay for target '\(target)'")
            return []
        }
    }
}

extension Replay {
    static func modules(_ bytes: [UInt8]) -> [(name: String, body: [UInt8])] {
        let marker = Array("#--- ".utf8)
        var parts: [(name: String, body: [UInt8])] = [("main.prn", [])]
        for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            if line.starts(with: marker) {
                parts.append((String(decoding: line.dropFirst(marker.count), as: UTF8.self), []))
            } else {
                parts[parts.count - 1].body += line + [UInt8(ascii: "\n")]
            }
        }
        return parts
    }
}

/// The language fuzzer's pipeline (Fuzz/Targets/LanguageFuzz.swift) with the real verb table.
enum FrontEnd {
    static func run(_ bytes: [UInt8], name: String) -> [Diagnostic] {
        switch SourceFile.decode(name: name, bytes: bytes) {
        case .failure(let diagnostic):
            _ = DiagnosticRenderer().render([diagnostic])
            return [diagnostic]
        case .success(let source):
            _ = Lexer.tokenize(source)
            let checked = Checker.check(source, verbs: Verbs.table, resolver: InMemoryImportResolver(files: ["fuzz.prn": source.text]))
            _ = DiagnosticRenderer(sources: [source], colour: true).render(checked.diagnostics)
            return checked.diagnostics
        }
    }
}

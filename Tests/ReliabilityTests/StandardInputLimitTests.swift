import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Statements piped into `prn` (`yes ... | prn`, a line of gigabytes without a newline) are
/// read with a limit per line and in total, so endless input ends in an error, not in memory
/// growing until the kernel kills prn.
final class StandardInputLimitTests: XCTestCase {
    /// How prn ended, and how much of the input it took.
    @dynamicMemberLookup
    struct Ending {
        var outcome: PrnProcess.Outcome
        /// Bytes the writer got into the pipe before prn stopped reading (or the cap).
        var written: Int

        subscript<T>(dynamicMember path: KeyPath<PrnProcess.Outcome, T>) -> T { outcome[keyPath: path] }
        var summary: String { "\(written) bytes written; \(outcome.summary)" }
    }

    /// Starts `prn` on a pipe and writes `chunk` over and over until prn stops reading or
    /// `cap` bytes went in, then closes the pipe.
    private func feed(_ chunk: String, cap: Int, timeout: Double = 90) throws -> Ending {
        signal(SIGPIPE, SIG_IGN)
        let folder = try TemporaryFolder("stdin")
        let process = Process()
        process.executableURL = try PrnProcess.binary()
        process.currentDirectoryURL = folder.url
        process.environment = ["PATH": "/usr/bin:/bin", "HOME": folder.url.path, "NO_COLOR": "1", "PRN_HISTORY": ""]
        let input = Pipe()
        let outURL = folder.path("stdout"), errURL = folder.path("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.standardInput = input
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
        let descriptor = input.fileHandleForWriting.fileDescriptor
        let bytes = Array(chunk.utf8)
        let deadline = Date().addingTimeInterval(timeout)
        var written = 0
        writing: while written < cap && Date() < deadline {
            var offset = 0
            while offset < bytes.count {
                let n = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
                if n < 0 {
                    if errno == EINTR { continue }
                    break writing  // prn closed its end: it stopped reading
                }
                offset += n
                written += n
            }
        }
        try? input.fileHandleForWriting.close()
        while process.isRunning && Date() < deadline { usleep(20_000) }
        let timedOut = process.isRunning
        if timedOut { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        let outcome = PrnProcess.Outcome(status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal,
                                         timedOut: timedOut, stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
                                         stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
        return Ending(outcome: outcome, written: written)
    }

    func testALineWithoutEndIsRefusedAtTheLineLimit() throws {
        let ending = try feed(String(repeating: "a", count: 65536), cap: 64 << 20)
        XCTAssertFalse(ending.timedOut, ending.summary)
        XCTAssertFalse(ending.signalled, ending.summary)
        XCTAssertEqual(ending.status, 65, ending.summary)
        XCTAssertTrue(ending.stderr.contains("<stdin>:1:"), ending.summary)
        XCTAssertTrue(ending.stderr.contains("1 MiB"), ending.summary)
        // prn stops reading at the limit instead of taking everything first.
        XCTAssertLessThan(ending.written, 16 << 20, ending.summary)
        XCTAssertLessThan(ending.stderr.utf8.count, 4096, "the line is not echoed whole")
    }

    func testEndlessStatementsAreRefusedAtTheTotalLimit() throws {
        let ending = try feed(String(repeating: "print 1\n", count: 8192), cap: 40 << 20)
        XCTAssertFalse(ending.timedOut, ending.summary)
        XCTAssertFalse(ending.signalled, ending.summary)
        XCTAssertEqual(ending.status, 65, ending.summary)
        XCTAssertTrue(ending.stderr.contains("16 MiB"), ending.summary)
        XCTAssertEqual(ending.stdout, "", "nothing runs before the whole input was read and checked")
        XCTAssertLessThan(ending.written, 24 << 20, ending.summary)
    }

    func testOrdinaryPipedStatementsStillRun() throws {
        let ending = try feed("let x = [1,\n 2]\nprint x\n", cap: 1)
        XCTAssertEqual(ending.status, 0, ending.summary)
        XCTAssertEqual(ending.stdout, "[1, 2]\n")
    }
}

import Foundation
import XCTest
@testable import Engine
#if canImport(Glibc)
import Glibc
#endif

/// Temporary files of a killed writer are removed the next time their target is written, and
/// only those: files of live writers, of other targets and the user's own files stay.
final class AtomicFileTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws { folder = try DataFixtures.temporaryFolder() }
    override func tearDown() { DataFixtures.remove(folder) }

    private func plant(_ name: String) throws {
        try Data("partial".utf8).write(to: folder.appendingPathComponent(name))
    }

    private func names() throws -> Set<String> {
        Set(try FileManager.default.contentsOfDirectory(atPath: folder.path))
    }

    /// A pid no process can have: above the largest pid Linux (2^22) and macOS hand out.
    private let deadPID = 4_194_305

    func testStaleTemporaryFileOfTheSameTargetIsRemoved() throws {
        XCTAssertEqual(kill(pid_t(deadPID), 0), -1, "pid \(deadPID) is unexpectedly alive")
        let stale = ".model.safetensors.\(deadPID).123456.tmp"
        try plant(stale)
        try AtomicFile.write(Data("new".utf8), to: folder.appendingPathComponent("model.safetensors"))
        XCTAssertEqual(try names(), ["model.safetensors"], "the killed writer's temporary file is still there")
    }

    func testOtherFilesAreKept() throws {
        let kept = [
            ".model.safetensors.\(getppid()).42.tmp",        // a live writer (the test runner's parent)
            ".other.safetensors.\(deadPID).1.tmp",           // a stale file of another target
            ".model.safetensors.notes.tmp",                  // the user's own file
            ".model.safetensors.\(deadPID).tmp",             // not the temporary-file shape
            "model.safetensors.\(deadPID).1.tmp",            // no leading dot
        ]
        for name in kept { try plant(name) }
        try AtomicFile.write(Data("new".utf8), to: folder.appendingPathComponent("model.safetensors"))
        XCTAssertEqual(try names(), Set(kept + ["model.safetensors"]))
    }

    /// A target that is not a regular file (a pipe here) is refused: replacing it by rename
    /// would remove the node, and writing into it would not be atomic.
    func testNonRegularTargetIsRefused() throws {
        let pipe = folder.appendingPathComponent("pipe")
        XCTAssertEqual(mkfifo(pipe.path, 0o644), 0)
        XCTAssertThrowsError(try AtomicFile.write(Data("x".utf8), to: pipe)) {
            XCTAssertTrue("\($0)".contains("not a regular file"), "\($0)")
        }
        var info = stat()
        XCTAssertEqual(lstat(pipe.path, &info), 0)
        XCTAssertEqual(info.st_mode & S_IFMT, S_IFIFO)
        XCTAssertEqual(try names(), ["pipe"])
    }
}

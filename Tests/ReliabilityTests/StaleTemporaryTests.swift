import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A save killed with SIGKILL leaves its temporary file (nothing can run at a kill); the next
/// save of the same target removes it.
final class StaleTemporaryTests: XCTestCase {
    private func temporaries(in folder: TemporaryFolder) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.url.path)) ?? [])
            .filter { $0.hasPrefix(".model.safetensors.") && $0.hasSuffix(".tmp") }
    }

    func testTheNextSaveRemovesTheTemporaryFileOfAKilledSave() throws {
        let folder = try TemporaryFolder("stale-temporary")
        try DataFixtures.mnist(in: folder)
        let env = ["PRN_DATA": folder.path("data").path]

        // vgg16 at width 2 is ~60M parameters: a ~240 MB file takes long enough to write.
        try folder.write("big.prn", text: "seed 2\ndata mnist\nload vgg16 width=2\nsave \"model.safetensors\"\n")
        let big = try PrnProcess(["run", "big.prn"], in: folder.url, environment: env)
        var killed = false
        let deadline = Date().addingTimeInterval(300)
        while Date() < deadline, big.process.isRunning {
            if let tmp = temporaries(in: folder).first,
               let size = (try? FileManager.default.attributesOfItem(atPath: folder.path(tmp).path))?[.size] as? Int, size > 1 << 20 {
                kill(big.pid, SIGKILL)
                killed = true
                break
            }
            usleep(2_000)
        }
        let outcome = big.wait(timeout: 30)
        XCTAssertTrue(killed && outcome.signalled, "the save was not caught mid-write: \(outcome.summary)")
        XCTAssertEqual(temporaries(in: folder).count, 1, "a SIGKILL is expected to leave the temporary file")

        try folder.write("small.prn", text: "seed 1\ndata mnist\nload lenet300\nsave \"model.safetensors\"\n")
        let small = try PrnProcess.run(["run", "small.prn"], in: folder.url, environment: env, timeout: 120)
        XCTAssertEqual(small.status, 0, small.summary)
        XCTAssertEqual(temporaries(in: folder), [], "the killed save's temporary file is still there")
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.path("model.safetensors").path))
    }
}

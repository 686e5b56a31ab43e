import Foundation
import XCTest

/// An installed prn (PREFIX/bin/prn with its stdlib in PREFIX/share/prn/stdlib, as scripts/install
/// lays it out) finds the stdlib by itself: no PRN_STDLIB, run from a folder outside the checkout,
/// found on PATH or called by its full path.
final class InstallLayoutTests: XCTestCase {
    func testInstalledBinaryFindsItsStdlib() throws {
        let prefix = try TemporaryFolder("prefix")
        let fm = FileManager.default
        try fm.createDirectory(at: prefix.path("bin"), withIntermediateDirectories: true)
        try fm.createDirectory(at: prefix.path("share/prn"), withIntermediateDirectories: true)
        try fm.copyItem(at: try PrnProcess.binary(), to: prefix.path("bin/prn"))
        try fm.copyItem(at: RepoPaths.root.appendingPathComponent("stdlib"), to: prefix.path("share/prn/stdlib"))

        let work = try TemporaryFolder("elsewhere")
        try work.write("main.prn", text: "import \"sweep.prn\"\nprint \"imported\"\n")
        let viaPath = try PrnProcess.run(["-c", "prn run main.prn"], in: work.url, executable: URL(fileURLWithPath: "/bin/sh"),
                                         environment: ["PATH": prefix.path("bin").path + ":/usr/bin:/bin"], timeout: 60)
        XCTAssertEqual(viaPath.status, 0, viaPath.summary)
        XCTAssertEqual(viaPath.stdout, "imported\n", viaPath.summary)
        let direct = try PrnProcess.run(["run", "main.prn"], in: work.url, executable: prefix.path("bin/prn"), timeout: 60)
        XCTAssertEqual(direct.status, 0, direct.summary)
        XCTAssertEqual(direct.stdout, "imported\n", direct.summary)
    }
}

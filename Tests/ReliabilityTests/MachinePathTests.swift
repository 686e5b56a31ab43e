import Foundation
import XCTest

/// Files in the repository travel to other machines: none may name a folder of the machine
/// they were made on. The checkout's own absolute path and that of the folder holding it (where
/// data and sibling checkouts sit) are the paths such a file would carry, whatever the machine.
final class MachinePathTests: XCTestCase {
    func testNoTrackedFileNamesAFolderOfThisMachine() throws {
        let root = RepoPaths.root.standardizedFileURL
        let parent = root.deletingLastPathComponent().path
        // A checkout at the top of the file system has no parent worth searching for.
        guard parent.count > 1 else { throw XCTSkip("the checkout's parent is the file-system root") }
        let needles = Set([root.path + "/", parent + "/", parent.replacingOccurrences(of: "/", with: "\\/") + "\\/"])
        var offenders: [String] = []
        for file in try trackedFiles(root) {
            guard let data = FileManager.default.contents(atPath: root.appendingPathComponent(file).path),
                  let text = String(data: data, encoding: .utf8) else { continue }
            if let needle = needles.first(where: { text.contains($0) }) { offenders.append("\(file) (\(needle))") }
        }
        XCTAssertEqual(offenders, [], "files naming a folder of this machine; use paths relative to the checkout or PRN_DATA")
    }

    private func trackedFiles(_ root: URL) throws -> [String] {
        let git = Process()
        git.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        git.arguments = ["git", "-C", root.path, "ls-files", "-z"]
        let pipe = Pipe()
        git.standardOutput = pipe
        git.standardError = FileHandle.nullDevice
        do { try git.run() } catch { throw XCTSkip("git is not available to list the tracked files") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        git.waitUntilExit()
        guard git.terminationStatus == 0 else { throw XCTSkip("not a git checkout: nothing to list") }
        return String(decoding: data, as: UTF8.self).split(separator: "\0").map(String.init)
    }
}

import Foundation
import XCTest

/// Data roots (PRN_DATA, ./data, the system dataset folders) are read-only to prn: no writer
/// (save, export, report, `--log`, `prn report --out`) may put a file there, however the path
/// is spelled (symlinks, `..`). Each test plants a dataset, tries one writer and checks both the
/// refusal and that nothing under the data root changed.
final class WritePolicyTests: XCTestCase {
    private func planted() throws -> TemporaryFolder {
        let folder = try TemporaryFolder("write-policy")
        try DataFixtures.mnist(in: folder)
        try folder.write("data/tiny/train.csv", text: "label,a,b\n0,1,2\n1,3,4\n")
        try folder.write("data/tiny/test.csv", text: "label,a,b\n0,1,2\n")
        return folder
    }

    private func environment(_ folder: TemporaryFolder) -> [String: String] {
        ["PRN_DATA": folder.path("data").path]
    }

    /// Every file under the folder with its bytes, to show a refused write changed nothing.
    private func snapshot(_ url: URL) -> [String: Data] {
        var files: [String: Data] = [:]
        guard let walker = FileManager.default.enumerator(at: url, includingPropertiesForKeys: nil) else { return files }
        for case let file as URL in walker {
            if let data = FileManager.default.contents(atPath: file.path) { files[file.path] = data }
        }
        return files
    }

    /// Runs `script` and expects the write to be refused: exit 70, the message naming the
    /// path, the data root and how to fix it, and the data folder unchanged.
    private func assertRefused(_ script: String, in folder: TemporaryFolder, environment: [String: String]? = nil,
                               arguments: [String] = [], root: String = "PRN_DATA", mentions: [String] = [],
                               file: StaticString = #filePath, line: UInt = #line) throws {
        let before = snapshot(folder.path("data"))
        try folder.write("write.prn", text: script)
        let outcome = try PrnProcess.run(["run", "write.prn"] + arguments, in: folder.url,
                                         environment: environment ?? self.environment(folder), timeout: 120)
        XCTAssertEqual(outcome.status, 70, outcome.summary, file: file, line: line)
        XCTAssertFalse(outcome.signalled, file: file, line: line)
        let dataRoot = folder.path("data").resolvingSymlinksInPath().path
        for text in ["data folder", dataRoot, "(\(root))", "write it elsewhere", "write.prn:"] + mentions {
            XCTAssertTrue(outcome.stderr.contains(text), "stderr does not mention '\(text)': \(outcome.summary)", file: file, line: line)
        }
        XCTAssertEqual(snapshot(folder.path("data")), before, "a refused write changed the data folder", file: file, line: line)
    }

    func testReportCannotOverwriteATrainingCSV() throws {
        let folder = try planted()
        try assertRefused("report \"data/tiny/train.csv\"\n", in: folder, mentions: ["report", "data/tiny/train.csv"])
    }

    func testSaveIntoADataRootIsRefused() throws {
        let folder = try planted()
        try assertRefused("data mnist\nload lenet300\nsave \"data/mnist/model.safetensors\"\n", in: folder,
                          mentions: ["save", "data/mnist/model.safetensors"])
    }

    func testExportIntoADataRootIsRefused() throws {
        let folder = try planted()
        try assertRefused("data mnist\nload lenet300\nexport \"data/mnist/model.onnx\"\n", in: folder,
                          mentions: ["export"])
    }

    func testASymlinkIntoADataRootIsFollowed() throws {
        let folder = try planted()
        try FileManager.default.createSymbolicLink(at: folder.path("results"), withDestinationURL: folder.path("data/tiny"))
        try assertRefused("report \"results/train.csv\"\n", in: folder, mentions: ["results/train.csv"])
    }

    func testDotDotIntoADataRootIsNormalised() throws {
        let folder = try planted()
        try FileManager.default.createDirectory(at: folder.path("out"), withIntermediateDirectories: true)
        try assertRefused("report \"out/../data/tiny/new.csv\"\n", in: folder)
    }

    /// Without PRN_DATA, `./data` of the working directory is still a data root.
    func testTheWorkingDirectoryDataFolderIsADataRoot() throws {
        let folder = try planted()
        try assertRefused("report \"data/summary.md\"\n", in: folder, environment: [:], root: "./data")
    }

    /// A PRN_DATA given through a symlink protects the folder it points to.
    func testASymlinkedDataRootProtectsItsTarget() throws {
        let folder = try planted()
        try folder.write("store/tiny/train.csv", text: "label,a,b\n0,1,2\n")
        try FileManager.default.createSymbolicLink(at: folder.path("link"), withDestinationURL: folder.path("store"))
        let before = snapshot(folder.path("store"))
        try folder.write("write.prn", text: "report \"store/tiny/train.csv\"\n")
        let outcome = try PrnProcess.run(["run", "write.prn"], in: folder.url,
                                         environment: ["PRN_DATA": folder.path("link").path])
        XCTAssertEqual(outcome.status, 70, outcome.summary)
        let root = folder.path("store").resolvingSymlinksInPath().path
        XCTAssertTrue(outcome.stderr.contains("\(root) (PRN_DATA)"), outcome.summary)
        XCTAssertEqual(snapshot(folder.path("store")), before, "a refused write changed the data folder")
    }

    func testRunLogIntoADataRootIsRefused() throws {
        let folder = try planted()
        try folder.write("ok.prn", text: "print \"ran\"\n")
        let outcome = try PrnProcess.run(["run", "ok.prn", "--log", "data/run.jsonl"], in: folder.url,
                                         environment: environment(folder))
        XCTAssertEqual(outcome.status, 64, outcome.summary)
        for text in ["--log", "data/run.jsonl", "data folder", "(PRN_DATA)"] {
            XCTAssertTrue(outcome.stderr.contains(text), "stderr does not mention '\(text)': \(outcome.summary)")
        }
        XCTAssertFalse(outcome.stdout.contains("ran"), "the script ran although its log was refused")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.path("data/run.jsonl").path))
    }

    func testReportCommandOutputIntoADataRootIsRefused() throws {
        let folder = try planted()
        try folder.write("eval.prn", text: "seed 1\ndata mnist\nload lenet300\neval\n")
        let run = try PrnProcess.run(["run", "eval.prn", "--log", "run.jsonl"], in: folder.url,
                                     environment: environment(folder), timeout: 120)
        XCTAssertEqual(run.status, 0, run.summary)
        let outcome = try PrnProcess.run(["report", "run.jsonl", "--out", "data/mnist/results"], in: folder.url,
                                         environment: environment(folder))
        XCTAssertEqual(outcome.status, 64, outcome.summary)
        for text in ["--out", "data/mnist/results", "data folder", "(PRN_DATA)"] {
            XCTAssertTrue(outcome.stderr.contains(text), "stderr does not mention '\(text)': \(outcome.summary)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.path("data/mnist/results").path))
    }

    /// The same writes outside the data roots still work.
    func testWritesBesideTheDataAreAllowed() throws {
        let folder = try planted()
        try folder.write("ok.prn", text: "data mnist\nload lenet300\nsave \"model.safetensors\"\nreport \"out/summary.md\"\n")
        let outcome = try PrnProcess.run(["run", "ok.prn", "--log", "run.jsonl"], in: folder.url,
                                         environment: environment(folder), timeout: 120)
        XCTAssertEqual(outcome.status, 0, outcome.summary)
        for name in ["model.safetensors", "out/summary.md", "run.jsonl"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder.path(name).path), name)
        }
    }
}

import Engine
import Foundation
import XCTest
@testable import Runtime

/// `normalize=`, `mean=` and `std=` decide how data are normalised; a model keeps its
/// preprocessing through save and load, the data loaded with it follow it, and a model meeting
/// data prepared otherwise (or another dataset) is warned about, naming both.
final class InputNormalizationSessionTests: XCTestCase {
    var printed: [String] = []
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("prn-normalize-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        printed = []
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func makeEngine() throws -> REPLEngine {
        var configuration = REPLEngine.Configuration()
        configuration.allow = [dir.path]
        return try REPLEngine(configuration: configuration, output: { self.printed.append($0) }, errors: { self.printed.append($0) })
    }

    func run(_ e: REPLEngine, _ line: String, file: StaticString = #filePath, lineNumber: UInt = #line) -> [String] {
        printed = []
        XCTAssertEqual(e.evaluate(line), .completed, printed.joined(separator: "\n"), file: file, line: lineNumber)
        return printed
    }

    func statistics(_ e: REPLEngine) -> ChannelStatistics? { e.session.data?.statistics }

    func testOptionsChooseTheDataNormalisation() throws {
        let e = try makeEngine()
        _ = run(e, "data synthetic subset=64 normalize=none")
        XCTAssertNil(statistics(e))
        _ = run(e, "data synthetic subset=64 mean=[0.25] std=[2]")
        XCTAssertEqual(statistics(e), ChannelStatistics(mean: [0.25], std: [2]))
        _ = run(e, "data synthetic subset=64")
        XCTAssertNotNil(statistics(e), "without a model, data are standardised with their own statistics as before")
        for bad in ["data synthetic mean=[0.5]", "data synthetic normalize=none mean=[0.5] std=[1]",
                    "data synthetic mean=[0.5, 0.5] std=[1]", "data synthetic mean=[0.5, 0.5] std=[1, 1]"] {
            printed = []
            XCTAssertNotEqual(e.evaluate(bad), .completed, bad)
            XCTAssertTrue(printed.joined().contains("mean="), "\(bad): the error names the option: \(printed)")
        }
    }

    func testSavedModelKeepsItsPreprocessingAndTheDataFollowIt() throws {
        let e = try makeEngine()
        _ = run(e, "load mlp data=synthetic hidden=[8] subset=64 mean=[0.25] std=[2]")
        let path = dir.appendingPathComponent("m.safetensors").path
        _ = run(e, "save \"\(path)\"")
        _ = run(e, "data synthetic subset=64 normalize=dataset")
        let lines = run(e, "load \"\(path)\" data=synthetic subset=64")
        XCTAssertEqual(e.session.model?.preprocessing, InputPreprocessing(statistics: ChannelStatistics(mean: [0.25], std: [2]), dataset: "synthetic"))
        XCTAssertEqual(statistics(e), ChannelStatistics(mean: [0.25], std: [2]), "the data loaded with a model follow its recorded normalisation")
        XCTAssertFalse(lines.contains { $0.contains("warning") }, "\(lines)")
        let shown = run(e, "show model").joined(separator: "\n")
        XCTAssertTrue(shown.contains("inputs: normalised with mean [0.25] std [2], made for data synthetic"), shown)
    }

    func testMismatchedNormalisationIsWarnedNamingBoth() throws {
        let e = try makeEngine()
        _ = run(e, "load mlp data=synthetic hidden=[8] subset=64 mean=[0.25] std=[2]")
        let path = dir.appendingPathComponent("m.safetensors").path
        _ = run(e, "save \"\(path)\"")
        let lines = run(e, "load \"\(path)\" data=synthetic subset=64 normalize=none")
        let warning = lines.first { $0.hasPrefix("warning:") } ?? ""
        XCTAssertTrue(warning.contains("m.safetensors") && warning.contains("mean [0.25] std [2]") && warning.contains("none (raw inputs)")
                      && warning.contains("synthetic"), "\(lines)")
    }

    func testAnotherDatasetIsWarnedNamingBoth() throws {
        let rows = (0..<8).map { "\(Double($0) / 8),\(Double(7 - $0) / 8),\($0 % 2)" }.joined(separator: "\n")
        for name in ["first", "other"] {
            let folder = dir.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for split in ["train", "test"] { try (rows + "\n").write(to: folder.appendingPathComponent("\(split).csv"), atomically: true, encoding: .utf8) }
        }
        let e = try makeEngine()
        _ = run(e, "load mlp data=\"\(dir.path)/first\" hidden=[8]")
        XCTAssertFalse(run(e, "data \"\(dir.path)/other\"").contains { $0.hasPrefix("warning:") }, "data alone do not meet the model yet")
        let lines = run(e, "eval")
        XCTAssertTrue(lines.contains { $0.hasPrefix("warning:") && $0.contains("made for data first") && $0.contains("used with data other") }, "\(lines)")
        XCTAssertFalse(run(e, "eval").contains { $0.hasPrefix("warning:") }, "said once for a model and data")
    }

    /// A model of another input shape is refused with both shapes, not run into a trap.
    func testDataOfAnotherShapeIsRefusedBeforeUse() throws {
        let folder = dir.appendingPathComponent("flat")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for split in ["train", "test"] { try "0.1,0.2,0\n0.3,0.4,1\n".write(to: folder.appendingPathComponent("\(split).csv"), atomically: true, encoding: .utf8) }
        let e = try makeEngine()
        _ = run(e, "load mlp data=synthetic hidden=[8] subset=64")
        _ = run(e, "data \"\(folder.path)\"")
        printed = []
        XCTAssertEqual(e.evaluate("eval"), .failed)
        XCTAssertTrue(printed.joined().contains("takes samples of shape [1, 8, 8] but flat has [2]"), "\(printed)")
    }

    /// `data` is normalised as it says, whatever model the session holds: a loop of
    /// `data ...; load ...` does not depend on the previous round's model.
    func testDataCommandDoesNotFollowThePreviousModel() throws {
        let e = try makeEngine()
        _ = run(e, "load mlp data=synthetic hidden=[8] subset=64 mean=[0.25] std=[2]")
        _ = run(e, "data synthetic subset=64")
        let measured = try XCTUnwrap(statistics(e))
        XCTAssertNotEqual(measured, ChannelStatistics(mean: [0.25], std: [2]))
        let lines = run(e, "eval")
        XCTAssertTrue(lines.contains { $0.hasPrefix("warning:") && $0.contains("mean [0.25] std [2]") }, "used together, the mismatch is said: \(lines)")
    }

    func testOldModelFileWithoutPreprocessingKeepsTheOldBehaviour() throws {
        let e = try makeEngine()
        _ = run(e, "load mlp data=synthetic hidden=[8] subset=64 mean=[0.25] std=[2]")
        let model = try XCTUnwrap(e.session.model)
        model.preprocessing = nil  // what a file written before prn recorded it holds
        let url = dir.appendingPathComponent("old.safetensors")
        try ModelFile.save(model, to: url)
        XCTAssertFalse(try String(decoding: Data(contentsOf: url), as: UTF8.self).contains("preprocessing"))
        let lines = run(e, "load \"\(url.path)\" data=synthetic subset=64")
        let measured = try XCTUnwrap(statistics(e))
        XCTAssertNotEqual(measured, ChannelStatistics(mean: [0.25], std: [2]), "data standardised with their own statistics")
        XCTAssertEqual(e.session.model?.preprocessing?.statistics, measured, "and the model takes that on, so a new save records it")
        XCTAssertFalse(lines.contains { $0.contains("warning") }, "\(lines)")
    }
}

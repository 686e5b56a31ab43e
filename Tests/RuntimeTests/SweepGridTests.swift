import Foundation
@testable import Runtime
import XCTest

/// The grid of `prn sweep`: which points, in which order, named how, run with which values.
final class SweepGridTests: XCTestCase {
    func grid(_ lines: String) throws -> SweepGrid {
        var g = SweepGrid()
        try SweepGridFile.parse(lines, path: "grid.txt", into: &g)
        try g.validate()
        return g
    }

    func testPointsCrossTheAxesLastFastestAndAreNamedByTheirValues() throws {
        let g = try grid("set epochs=2\nvary method=[magnitude, random]\nvary ratio=[0.5, 0.9]\nseeds 2\n")
        let names = g.points.map(\.name)
        XCTAssertEqual(names.count, 8)
        XCTAssertEqual(names.prefix(3), ["method=magnitude,ratio=0.5,run_seed=0", "method=magnitude,ratio=0.5,run_seed=1",
                                         "method=magnitude,ratio=0.9,run_seed=0"])
        XCTAssertEqual(g.points.map(\.index), Array(0..<8))
        let sets = Dictionary(uniqueKeysWithValues: g.points[3].sets)
        XCTAssertEqual(sets, ["epochs": "2", "method": "\"magnitude\"", "ratio": "0.9", "run_seed": "1"])
    }

    func testTheGridFileTextReadsBackToTheSamePoints() throws {
        var g = SweepGrid()
        try g.set("file=\"models/a b.safetensors\"", origin: "--set")
        try g.vary("lr=[0.1, 1e-3]", origin: "--vary")
        try g.vary("hidden=[[32, 16], [64]]", origin: "--vary")
        try g.share("stage=train", over: ["lr"], origin: "--shared")
        let back = try grid(SweepGridFile.text(g))
        XCTAssertEqual(back.points.map(\.name), g.points.map(\.name))
        XCTAssertEqual(back.points.map { $0.sets.map { "\($0.0)=\($0.1)" } }, g.points.map { $0.sets.map { "\($0.0)=\($0.1)" } })
        XCTAssertEqual(back.sharedPoints.map(\.name), ["shared,lr=0.1", "shared,lr=0.001"])
        XCTAssertTrue(g.points[1].name.allSatisfy { $0.isLetter || $0.isNumber || "._=,+-".contains($0) }, g.points[1].name)
    }

    func testSharedStepsAreOnePerCombinationOfTheirAxes() throws {
        let g = try grid("set stage=prune\nvary method=[a, b, c]\nseeds 3\nshared stage=train over run_seed\n")
        XCTAssertEqual(g.sharedPoints.count, 3)
        let s = Dictionary(uniqueKeysWithValues: g.sharedPoints[2].sets)
        XCTAssertEqual(s["stage"], "\"train\"")
        XCTAssertEqual(s["run_seed"], "2")
        XCTAssertEqual(g.sharedPoint(for: g.points[4])?.name, "shared,run_seed=1")
    }

    func testAStringValueNamesThePointsOtherValuesInBraces() throws {
        var g = SweepGrid()
        try g.set("stage=prune", origin: "--set")
        try g.set("quick=true", origin: "--set")
        try g.set("dense_file=\"runs/x/dense-{run_seed}-{quick}.safetensors\"", origin: "--set")
        try g.vary("method=[magnitude, random]", origin: "--vary")
        try g.seeds(2, origin: "--seeds")
        try g.share("stage=train", over: ["run_seed"], origin: "--shared")
        try g.validate()
        let point = Dictionary(uniqueKeysWithValues: g.points[3].sets)
        XCTAssertEqual(point["dense_file"], "\"runs/x/dense-1-true.safetensors\"")
        let shared = Dictionary(uniqueKeysWithValues: g.sharedPoints[1].sets)
        XCTAssertEqual(shared["dense_file"], "\"runs/x/dense-1-true.safetensors\"")
        XCTAssertEqual(g.sharedPoint(for: g.points[3])?.name, "shared,run_seed=1")
        // The grid file keeps the reference, not one point's value.
        XCTAssertTrue(SweepGridFile.text(g).contains("dense-{run_seed}-{quick}"), SweepGridFile.text(g))
        // A shared step's own value refers to the values the same way; braces around no name stay.
        var h = SweepGrid()
        try h.set("tag=\"{ not a name } {}\"", origin: "--set")
        try h.seeds(2, origin: "--seeds")
        try h.share("out=\"dense-{run_seed}\"", over: ["run_seed"], origin: "--shared")
        try h.validate()
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: h.sharedPoints[1].sets)["out"], "\"dense-1\"")
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: h.points[0].sets)["tag"], "\"{ not a name } {}\"")
    }

    func testAReferenceToNoVariableOfTheGridIsRefusedNamingTheOption() throws {
        var g = SweepGrid()
        try g.set("dense_file=\"dense-{seed}.safetensors\"", origin: "--set")
        try g.seeds(2, origin: "--seeds")
        XCTAssertThrowsError(try g.validate()) {
            XCTAssertTrue("\($0)".contains("--set dense_file=\"dense-{seed}.safetensors\": {seed} is not a variable of the grid"), "\($0)")
            XCTAssertTrue("\($0)".contains("run_seed"), "\($0)")
        }
        var s = SweepGrid()
        try s.seeds(1, origin: "--seeds")
        try s.share("out=\"{method}\"", over: ["run_seed"], origin: "--shared")
        XCTAssertThrowsError(try s.validate()) { XCTAssertTrue("\($0)".contains("--shared out=\"{method}\": {method} is not"), "\($0)") }
        XCTAssertThrowsError(try grid("seeds 1\nset f=\"a-{nope}\"\n")) {
            XCTAssertTrue("\($0)".contains("grid.txt:2: set f=\"a-{nope}\": {nope} is not a variable"), "\($0)")
        }
    }

    func testBadLinesNameTheFileAndLine() {
        for (text, needle) in [("vary x=1\n", "grid.txt:1: --vary x=1: the values must be a non-empty list"),
                               ("\n# c\nseeds two\n", "grid.txt:3: 'seeds' expects a count"),
                               ("set a=[1,\n", "grid.txt:1: --set a=[1,"),
                               ("vary a=[1]\nvary a=[2]\n", "swept twice"),
                               ("vary a=[1]\nshared stage=x over b\n", "--shared-over b: no swept variable")] {
            XCTAssertThrowsError(try grid(text), text) { XCTAssertTrue("\($0)".contains(needle), "\($0)") }
        }
    }

    func testSlurmArrayRangesAndResubmitNameExactlyTheFailedTasks() {
        XCTAssertEqual(SlurmWriter.ranges([9, 1, 3, 4, 5]), "1,3-5,9")
        let text = SlurmWriter.resubmit(failedShared: [], failedPoints: [2, 7])
        XCTAssertTrue(text.contains("sbatch --parsable --array=2,7 sweep.sbatch"), text)
        XCTAssertFalse(text.contains("shared.sbatch"), text)
    }

    func testLogStatusNeedsTheEndTheHashAndTheValues() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("prn-sweep-status-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = dir.appendingPathComponent("p.jsonl")
        let recipe = "seed 0\n", hash = PointLogStatus.hash(ofRecipe: recipe)
        func line(_ record: RunLogRecord) throws -> String { try RunLogCodec.encode(record) }
        func manifest(_ text: String = recipe) throws -> String {
            try line(RunLog.manifest(scriptName: "p.prn", scriptText: text, seed: 0, settings: ["m": "\"x\""]))
        }
        func end(_ status: String) throws -> String { try line(RunLogRecord(.end(.init(status: status)), seed: 0)) }
        func status(_ lines: [String], sets: [(String, String)] = [("m", "\"x\"")]) throws -> PointLogStatus {
            try (lines.joined(separator: "\n") + "\n").write(to: log, atomically: true, encoding: .utf8)
            return PointLogStatus.of(log: log, recipeHash: hash, sets: sets)
        }
        XCTAssertEqual(PointLogStatus.of(log: dir.appendingPathComponent("none.jsonl"), recipeHash: hash, sets: []), .missing)
        XCTAssertEqual(try status([try manifest(), try end("completed")]), .complete)
        XCTAssertEqual(try status([try manifest(), try line(RunLogRecord(.save(.init(path: "m.safetensors")), seed: 0))]), .partial)
        XCTAssertEqual(try status([try manifest(), try end("failed")]), .failed("failed"))
        XCTAssertEqual(try status([try manifest("seed 1\n"), try end("completed")]), .stale("the recipe changed since"))
        XCTAssertEqual(try status([try manifest(), try end("completed")], sets: [("m", "\"y\"")]),
                       .stale("run with other --set values"))
        XCTAssertEqual(try status(["not json"]), .unreadable("the first line is not a run log manifest"))
    }
}

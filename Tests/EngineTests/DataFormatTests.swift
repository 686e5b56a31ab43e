import Foundation
import XCTest
@testable import Engine

/// CIFAR binary, CSV and synthetic data.
final class DataFormatTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws { folder = try DataFixtures.temporaryFolder() }
    override func tearDown() { DataFixtures.remove(folder) }

    private func url(_ name: String) -> URL { folder.appendingPathComponent(name) }

    // MARK: CIFAR

    func testCIFAR10BatchesConcatenate() throws {
        let a = DataFixtures.cifarRecords(labels: [[3], [9]], seed: 1)
        let b = DataFixtures.cifarRecords(labels: [[0]], seed: 2)
        try Data(a).write(to: url("a.bin"))
        try Data(b).write(to: url("b.bin"))
        let data = try CIFARReader.load([url("a.bin"), url("b.bin")], variant: .cifar10, name: "c")
        XCTAssertEqual(data.samples.shape, [3, 3, 32, 32])
        XCTAssertEqual(data.labels, [3, 9, 0])
        XCTAssertEqual(data.classes, 10)
        // Pixels keep CIFAR's plane order (R, G, B), which is already CHW.
        XCTAssertEqual(data.samples[0], Float(a[1]) / 255, accuracy: 1e-7)
        XCTAssertEqual(data.samples[1024], Float(a[1 + 1024]) / 255, accuracy: 1e-7)
        XCTAssertEqual(data.samples[2 * 3072 + 5], Float(b[1 + 5]) / 255, accuracy: 1e-7)
    }

    func testCIFAR100UsesFineLabels() throws {
        try Data(DataFixtures.cifarRecords(labels: [[4, 77], [19, 2]])).write(to: url("train.bin"))
        let data = try CIFARReader.load([url("train.bin")], variant: .cifar100, name: "c")
        XCTAssertEqual(data.labels, [77, 2])
        XCTAssertEqual(data.classes, 100)
        XCTAssertEqual(data.samples[3071], Float(DataFixtures.cifarRecords(labels: [[4, 77], [19, 2]])[2 + 3071]) / 255, accuracy: 1e-7)
    }

    func testCIFARTruncatedRecord() throws {
        try Data(DataFixtures.cifarRecords(labels: [[1], [2]]).dropLast(100)).write(to: url("cut.bin"))
        DataFixtures.expectDataError(.truncated, [url("cut.bin").path, "3073-byte", "6046 bytes", "2973 left over"]) {
            try CIFARReader.load([url("cut.bin")], variant: .cifar10, name: "c")
        }
    }

    func testCIFARLabelOutOfRange() throws {
        try Data(DataFixtures.cifarRecords(labels: [[1], [10]])).write(to: url("bad.bin"))
        DataFixtures.expectDataError(.labelOutOfRange, [url("bad.bin").path, "record 1", "label 10"]) {
            try CIFARReader.load([url("bad.bin")], variant: .cifar10, name: "c")
        }
        try Data(DataFixtures.cifarRecords(labels: [[25, 1]])).write(to: url("coarse.bin"))
        DataFixtures.expectDataError(.labelOutOfRange, ["coarse label 25"]) {
            try CIFARReader.load([url("coarse.bin")], variant: .cifar100, name: "c")
        }
    }

    func testCIFAREmptyFile() throws {
        try Data().write(to: url("empty.bin"))
        DataFixtures.expectDataError(.emptyDataset, [url("empty.bin").path]) {
            try CIFARReader.load([url("empty.bin")], variant: .cifar10, name: "c")
        }
    }

    // MARK: CSV

    func testCSVWithHeaderAndNamedLabel() throws {
        let text = "x1, y , \"class\",x3\n1.5,2,0,3\r\n-4,5e1,2,6\n\n"
        let data = try CSVReader.parse(text, path: "t.csv", options: .init(labelColumn: .named("class")), name: "t")
        XCTAssertEqual(data.samples.shape, [2, 3])
        XCTAssertEqual(data.samples.array, [1.5, 2, 3, -4, 50, 6])
        XCTAssertEqual(data.labels, [0, 2])
        XCTAssertEqual(data.classes, 3)
    }

    func testCSVWithoutHeaderLabelFirst() throws {
        let data = try CSVReader.parse("1,0.5,0.25\n0,1,2\n", path: "t.csv", options: .init(labelColumn: .first), name: "t")
        XCTAssertEqual(data.labels, [1, 0])
        XCTAssertEqual(data.samples.array, [0.5, 0.25, 1, 2])
    }

    func testCSVForcedHeaderAbsentReportsCell() {
        DataFixtures.expectDataError(.badCell, ["t.csv:1:1", "'a'"]) {
            try CSVReader.parse("a,b\n1,0\n", path: "t.csv", options: .init(header: .absent), name: "t")
        }
    }

    func testCSVNonNumericCellNamesLineAndColumn() {
        DataFixtures.expectDataError(.badCell, ["t.csv:4:2", "column 2 (f2)", "'abc'"]) {
            try CSVReader.parse("f1,f2,label\n1,2,0\n\n3,abc,1\n", path: "t.csv", name: "t")
        }
        DataFixtures.expectDataError(.badCell, ["t.csv:2:1", "'nan'"]) {
            try CSVReader.parse("f1,label\nnan,0\n", path: "t.csv", name: "t")
        }
        DataFixtures.expectDataError(.badCell, ["t.csv:1:1", "'1e300'"]) {
            try CSVReader.parse("1e300,0\n", path: "t.csv", options: .init(header: .absent), name: "t")
        }
    }

    func testCSVRaggedRow() {
        DataFixtures.expectDataError(.badShape, ["t.csv:3:", "2 columns", "has 3"]) {
            try CSVReader.parse("1,2,0\n3,4,1\n5,1\n", path: "t.csv", name: "t")
        }
    }

    func testCSVBadLabels() {
        DataFixtures.expectDataError(.labelOutOfRange, ["t.csv:1:3", "'1.5'"]) {
            try CSVReader.parse("1,2,1.5\n", path: "t.csv", name: "t")
        }
        DataFixtures.expectDataError(.labelOutOfRange, ["t.csv:2:3", "-1"]) {
            try CSVReader.parse("1,2,0\n1,2,-1\n", path: "t.csv", name: "t")
        }
        DataFixtures.expectDataError(.labelOutOfRange, ["t.csv:2:3", "label 5", "classes=3"]) {
            try CSVReader.parse("1,2,0\n1,2,5\n", path: "t.csv", options: .init(classes: 3), name: "t")
        }
    }

    func testCSVBadLabelColumnOptions() {
        DataFixtures.expectDataError(.badOption, ["no column named 'kind'", "a, b"]) {
            try CSVReader.parse("a,b\n1,0\n", path: "t.csv", options: .init(labelColumn: .named("kind")), name: "t")
        }
        DataFixtures.expectDataError(.badOption, ["label column 5", "0..<2"]) {
            try CSVReader.parse("1,0\n", path: "t.csv", options: .init(labelColumn: .index(5)), name: "t")
        }
        DataFixtures.expectDataError(.badOption, ["no header row"]) {
            try CSVReader.parse("1,0\n", path: "t.csv", options: .init(labelColumn: .named("y")), name: "t")
        }
    }

    func testCSVEmpty() {
        DataFixtures.expectDataError(.emptyDataset, ["t.csv", "no rows"]) { try CSVReader.parse("\n \n", path: "t.csv", name: "t") }
        DataFixtures.expectDataError(.emptyDataset, ["no data rows"]) { try CSVReader.parse("a,b\n", path: "t.csv", name: "t") }
    }

    func testCSVFileErrorsNameTheFile() throws {
        try "a,b\n1,x\n".write(to: url("f.csv"), atomically: true, encoding: .utf8)
        DataFixtures.expectDataError(.badCell, [url("f.csv").path + ":2:2"]) { try CSVReader.load(url("f.csv")) }
    }

    // MARK: Synthetic

    func testSyntheticIsSeededAndBalanced() throws {
        let options = SyntheticData.Options(trainCount: 40, testCount: 12, classes: 4, sampleShape: [3, 2, 2])
        let a = try SyntheticData.make(options, seed: 5)
        let b = try SyntheticData.make(options, seed: 5)
        let c = try SyntheticData.make(options, seed: 6)
        XCTAssertEqual(a.train.samples.array, b.train.samples.array)
        XCTAssertNotEqual(a.train.samples.array, c.train.samples.array)
        XCTAssertEqual(a.train.samples.shape, [40, 3, 2, 2])
        XCTAssertEqual((0..<4).map { k in a.train.labels.filter { $0 == k }.count }, [10, 10, 10, 10])
    }

    /// Learnable: class means estimated on train classify the test split well.
    func testSyntheticIsLearnable() throws {
        let (train, test) = try SyntheticData.make(.init(trainCount: 400, testCount: 200, classes: 5, sampleShape: [16]), seed: 1)
        var centroids = [[Float]](repeating: [Float](repeating: 0, count: 16), count: 5)
        for n in 0..<train.count { for i in 0..<16 { centroids[Int(train.labels[n])][i] += train.samples[n * 16 + i] / 80 } }
        var correct = 0
        for n in 0..<test.count {
            let distances = centroids.map { c in (0..<16).reduce(Float(0)) { $0 + pow(test.samples[n * 16 + $1] - c[$1], 2) } }
            if distances.firstIndex(of: distances.min() ?? 0) == Int(test.labels[n]) { correct += 1 }
        }
        XCTAssertGreaterThan(Double(correct) / Double(test.count), 0.9)
    }

    func testSyntheticBadOptions() {
        DataFixtures.expectDataError(.badOption, ["classes=1"]) { try SyntheticData.make(.init(classes: 1), seed: 0) }
        DataFixtures.expectDataError(.badOption, ["sample shape [2, 2]"]) { try SyntheticData.make(.init(sampleShape: [2, 2]), seed: 0) }
        DataFixtures.expectDataError(.badOption, ["counts"]) { try SyntheticData.make(.init(trainCount: 0), seed: 0) }
    }
}

import Foundation
import XCTest
@testable import Engine

final class DataCatalogTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws { folder = try DataFixtures.temporaryFolder() }
    override func tearDown() { DataFixtures.remove(folder) }

    private func catalog(prnData: String? = nil, cwd: URL? = nil) -> DataCatalog {
        DataCatalog(environment: prnData.map { ["PRN_DATA": $0] } ?? [:], workingDirectory: cwd ?? folder.appendingPathComponent("cwd"))
    }

    func testSearchesEveryPRNDataRootInOrder() throws {
        let first = folder.appendingPathComponent("first"), second = folder.appendingPathComponent("second")
        try FileManager.default.createDirectory(at: first, withIntermediateDirectories: true)
        try DataFixtures.writeMNISTFolder(second.appendingPathComponent("MNIST/raw"), train: 12, test: 4)
        let bundle = try catalog(prnData: "\(first.path)::\(second.path)").load("mnist", DataOptions(normalization: .none))
        XCTAssertEqual(bundle.source, second.appendingPathComponent("MNIST/raw").path)
        XCTAssertEqual(bundle.train.count, 12)
        XCTAssertEqual(bundle.test.count, 4)
        XCTAssertEqual(bundle.name, "mnist")
        XCTAssertEqual(bundle.train.name, "mnist/train")
    }

    func testFirstRootWins() throws {
        try DataFixtures.writeMNISTFolder(folder.appendingPathComponent("a/mnist"), train: 3)
        try DataFixtures.writeMNISTFolder(folder.appendingPathComponent("b/mnist"), train: 5)
        let bundle = try catalog(prnData: "\(folder.path)/a:\(folder.path)/b").load("mnist")
        XCTAssertEqual(bundle.train.count, 3)
    }

    func testLocalDataFolderAndRawNames() throws {
        let cwd = folder.appendingPathComponent("project")
        try DataFixtures.writeMNISTFolder(cwd.appendingPathComponent("data/fashion_mnist"), train: 8, test: 2, gzip: false)
        let bundle = try catalog(cwd: cwd).load("fashion-mnist")
        XCTAssertEqual(bundle.source, cwd.appendingPathComponent("data/fashion_mnist").path)
        XCTAssertEqual(bundle.train.count, 8)
    }

    func testCIFARFoldersByUsualName() throws {
        let root = folder.appendingPathComponent("cifar-10-batches-bin")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        for (i, name) in (CIFARReader.Variant.cifar10.trainFiles + ["test_batch.bin"]).enumerated() {
            try Data(DataFixtures.cifarRecords(labels: [[UInt8(i)], [UInt8(9 - i)]], seed: UInt64(i))).write(to: root.appendingPathComponent(name))
        }
        let bundle = try catalog(prnData: folder.path).load("cifar10")
        XCTAssertEqual(bundle.train.count, 10)
        XCTAssertEqual(bundle.test.count, 2)
        XCTAssertEqual(bundle.train.labels, [0, 9, 1, 8, 2, 7, 3, 6, 4, 5])
        XCTAssertEqual(try XCTUnwrap(bundle.statistics).mean.count, 3)

        let hundred = folder.appendingPathComponent("cifar-100-binary")
        try FileManager.default.createDirectory(at: hundred, withIntermediateDirectories: true)
        try Data(DataFixtures.cifarRecords(labels: [[1, 50], [2, 99]])).write(to: hundred.appendingPathComponent("train.bin"))
        try Data(DataFixtures.cifarRecords(labels: [[3, 7]])).write(to: hundred.appendingPathComponent("test.bin"))
        let c100 = try catalog(prnData: folder.path).load("cifar100")
        XCTAssertEqual(c100.train.labels, [50, 99])
        XCTAssertEqual(c100.classes, 100)
    }

    func testMissingDatasetListsEveryPlaceAndHowToInstall() {
        let cwd = folder.appendingPathComponent("cwd")
        DataFixtures.expectDataError(.datasetNotFound, [
            "dataset 'fashion-mnist' not found", "fashion-mnist, fashion_mnist", folder.path + "/nowhere (PRN_DATA)",
            cwd.path + "/data (./data)", "/usr/share/datasets (system)", "apt-get install dataset-fashion-mnist", "PRN_DATA",
        ]) {
            // The system folder may hold the real dataset; an alias-free name keeps this test about the message.
            try DataLocator(environment: ["PRN_DATA": folder.path + "/nowhere"], workingDirectory: cwd).locateMissingForTest("fashion-mnist")
        }
    }

    func testIncompleteFolderIsNamedInTheError() throws {
        let mnist = folder.appendingPathComponent("mnist")
        try DataFixtures.writeMNISTFolder(mnist)
        try FileManager.default.removeItem(at: mnist.appendingPathComponent("t10k-labels-idx1-ubyte.gz"))
        DataFixtures.expectDataError(.datasetNotFound, ["incomplete", mnist.path, "missing t10k-labels-idx1-ubyte[.gz]"]) {
            try DataLocator(environment: ["PRN_DATA": folder.path], workingDirectory: folder).locateMissingForTest("mnist")
        }
    }

    func testUnknownNameAndMissingFolder() {
        DataFixtures.expectDataError(.datasetNotFound, ["unknown dataset 'imagenet'", "cifar10", "synthetic"]) { try catalog().load("imagenet") }
        DataFixtures.expectDataError(.datasetNotFound, [folder.path + "/none", "no such folder"]) { try catalog().load(folder.path + "/none") }
    }

    func testFolderPathWithCSV() throws {
        let dir = folder.appendingPathComponent("table")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try "a,b,y\n1,2,0\n3,4,1\n5,6,0\n".write(to: dir.appendingPathComponent("train.csv"), atomically: true, encoding: .utf8)
        try "a,b,y\n1,1,3\n".write(to: dir.appendingPathComponent("test.csv"), atomically: true, encoding: .utf8)
        let bundle = try catalog(cwd: folder).load("./table", DataOptions(normalization: .none))
        XCTAssertEqual(bundle.name, "table")
        XCTAssertEqual(bundle.train.samples.shape, [3, 2])
        // The test split has a larger label than train; both must agree on four classes.
        XCTAssertEqual(bundle.train.classes, 4)
        XCTAssertEqual(bundle.test.classes, 4)
    }

    /// An IDX folder given by path is not assumed to be MNIST: classes come from its labels.
    func testFolderPathWithIDXInfersClasses() throws {
        let dir = folder.appendingPathComponent("digits")
        try DataFixtures.writeMNISTFolder(dir, train: 4, test: 2)
        try DataFixtures.write(DataFixtures.idxBytes(dims: [4], values: [0, 2, 1, 2]), to: dir.appendingPathComponent("train-labels-idx1-ubyte.gz"), gzip: true)
        try DataFixtures.write(DataFixtures.idxBytes(dims: [2], values: [3, 0]), to: dir.appendingPathComponent("t10k-labels-idx1-ubyte.gz"), gzip: true)
        let bundle = try catalog(cwd: folder).load("digits/")
        XCTAssertEqual(bundle.classes, 4)
        XCTAssertEqual(bundle.test.classes, 4)
        XCTAssertEqual(bundle.name, "digits")
    }

    func testSubsetValidationAndNormalisation() throws {
        try DataFixtures.writeMNISTFolder(folder.appendingPathComponent("mnist"), train: 60, test: 30)
        let options = DataOptions(subset: 50, validation: .fraction(0.2), seed: 3)
        let bundle = try catalog(prnData: folder.path).load("mnist", options)
        let val = try XCTUnwrap(bundle.val)
        XCTAssertEqual(bundle.train.count, 40)
        XCTAssertEqual(val.count, 10)
        XCTAssertEqual(bundle.test.count, 30)
        XCTAssertEqual(val.name, "mnist/val")
        // Train is standardised by its own statistics; validation and test by the same ones.
        let after = ChannelStatistics.measure(bundle.train)
        XCTAssertEqual(after.mean[0], 0, accuracy: 1e-4)
        XCTAssertEqual(after.std[0], 1, accuracy: 1e-4)
        let stats = try XCTUnwrap(bundle.statistics)
        XCTAssertEqual(val.normalization, stats)
        XCTAssertEqual(bundle.test.normalization, stats)

        // Same seed -> same split; the two parts are disjoint and together form the subset.
        let raw = try catalog(prnData: folder.path).load("mnist", DataOptions(subset: 50, normalization: .none))
        let again = try catalog(prnData: folder.path).load("mnist", DataOptions(subset: 50, validation: .fraction(0.2), seed: 3, normalization: .none))
        let other = try catalog(prnData: folder.path).load("mnist", DataOptions(subset: 50, validation: .fraction(0.2), seed: 4, normalization: .none))
        func rows(_ d: Dataset) -> Set<[Float]> { Set((0..<d.count).map { Array(d.samples.buffer[($0 * 36)..<(($0 + 1) * 36)]) }) }
        let valRows = rows(try XCTUnwrap(again.val)), trainRows = rows(again.train)
        XCTAssertTrue(valRows.isDisjoint(with: trainRows))
        XCTAssertEqual(valRows.union(trainRows), rows(raw.train))
        XCTAssertNotEqual(valRows, rows(try XCTUnwrap(other.val)))
        XCTAssertEqual(try XCTUnwrap(again.val).labels, try XCTUnwrap(
            catalog(prnData: folder.path).load("mnist", DataOptions(subset: 50, validation: .count(10), seed: 3, normalization: .none)).val).labels)
    }

    /// A stratified split takes each class's share: 3 of 30 samples of a class with 30 out of
    /// 100, however the seed shuffles; the rest of the class trains.
    func testStratifiedValidationKeepsEveryClassInProportion() throws {
        let labels = (0..<100).map { Int32($0 < 60 ? 0 : ($0 < 90 ? 1 : 2)) }
        let x = Tensor(shape: [100, 2])
        for i in 0..<100 { x[i * 2] = Float(i) }
        let data = try Dataset(name: "strata/train", samples: x, labels: labels, classes: 3)
        for seed in [UInt64(1), 2, 3] {
            let (train, val) = try DataCatalog.splitValidation(data, .count(10), seed: seed, stratify: true)
            XCTAssertEqual([0, 1, 2].map { c in val.labels.filter { $0 == c }.count }, [6, 3, 1], "seed \(seed)")
            XCTAssertEqual(train.count, 90)
            XCTAssertEqual(Set((0..<100).map { Float($0) }),
                           Set((0..<train.count).map { train.samples[$0 * 2] } + (0..<val.count).map { val.samples[$0 * 2] }))
        }
        // Rounding by largest remainders: 7 samples split 60/30/10 -> 4.2, 2.1, 0.7 -> 4, 2, 1.
        let (_, seven) = try DataCatalog.splitValidation(data, .count(7), seed: 1, stratify: true)
        XCTAssertEqual([0, 1, 2].map { c in seven.labels.filter { $0 == c }.count }, [4, 2, 1])
    }

    func testFixedNormalisation() throws {
        try DataFixtures.writeMNISTFolder(folder.appendingPathComponent("mnist"), train: 5, test: 5)
        let raw = try catalog(prnData: folder.path).load("mnist", DataOptions(normalization: .none))
        let fixed = try catalog(prnData: folder.path).load("mnist", DataOptions(normalization: .fixed(.mnist)))
        XCTAssertEqual(fixed.train.samples[7], (raw.train.samples[7] - 0.1307) / 0.3081, accuracy: 1e-6)
    }

    func testBadOptions() throws {
        try DataFixtures.writeMNISTFolder(folder.appendingPathComponent("mnist"), train: 10, test: 5)
        let c = catalog(prnData: folder.path)
        DataFixtures.expectDataError(.badOption, ["subset=0"]) { try c.load("mnist", DataOptions(subset: 0)) }
        DataFixtures.expectDataError(.badOption, ["val=1.5", "between 0 and 1"]) { try c.load("mnist", DataOptions(validation: .fraction(1.5))) }
        DataFixtures.expectDataError(.badOption, ["10 training samples", "between 1 and 9"]) { try c.load("mnist", DataOptions(validation: .count(10))) }
    }

    func testIdentityIsStableAndTracksContent() throws {
        let mnist = folder.appendingPathComponent("mnist")
        try DataFixtures.writeMNISTFolder(mnist, train: 10, test: 5)
        let options = DataOptions(subset: 8, validation: .count(2), seed: 1)
        let a = try catalog(prnData: folder.path).load("mnist", options).identity
        let b = try catalog(prnData: folder.path).load("mnist", options).identity
        XCTAssertEqual(a, b)
        XCTAssertTrue(a.hasPrefix("mnist[train-images-idx3-ubyte.gz:"), a)
        XCTAssertTrue(a.hasSuffix("subset=8 val=2 seed=1 norm=per-channel"), a)
        try DataFixtures.writeMNISTFolder(mnist, train: 10, test: 5, seed: 99)
        XCTAssertNotEqual(try catalog(prnData: folder.path).load("mnist", options).identity, a)
        XCTAssertTrue(try catalog().load("synthetic").identity.hasPrefix("synthetic[train=1024,test=256,classes=4,shape=1x8x8"))
    }

    func testSyntheticThroughCatalog() throws {
        let options = DataOptions(seed: 2, synthetic: .init(trainCount: 30, testCount: 10, classes: 3, sampleShape: [5]))
        let bundle = try DataCatalog.load("synthetic", options)
        XCTAssertEqual(bundle.train.samples.shape, [30, 5])
        XCTAssertEqual(bundle.source, "generated")
        XCTAssertEqual(bundle.classes, 3)
    }
}

extension DataLocator {
    /// Looks a name up as `DataCatalog` does, without the system folder, which may hold a real
    /// copy of the dataset on the test machine.
    func locateMissingForTest(_ name: String) throws -> LocatedDataset {
        let roots = self.roots.filter { $0.label != "system" }
        XCTAssertEqual(self.roots.last?.url.path, "/usr/share/datasets")
        return try DataLocator(roots: roots + [("system", URL(fileURLWithPath: "/nonexistent-prn-root/usr/share/datasets"))]).locate(name: name)
    }
}

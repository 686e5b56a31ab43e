import Foundation
import XCTest
@testable import Engine

final class SafetensorsTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws { folder = try DataFixtures.temporaryFolder() }
    override func tearDown() { DataFixtures.remove(folder) }

    private func url(_ name: String) -> URL { folder.appendingPathComponent(name) }

    func testRoundTripWithMetadata() throws {
        var rng = RandomStream(seed: 1)
        let w = Tensor(shape: [3, 4], values: (0..<12).map { _ in rng.normal() })
        let b = Tensor(shape: [4], values: [1, -2, .infinity, 0])
        let scalar = Tensor(shape: [], values: [7])
        let empty = Tensor(shape: [0, 5])
        let metadata = ["format": "pt", "note": "quote \" backslash \\ newline \n tab \t é"]
        try SafetensorsFile.write(tensors: [("z.weight", w), ("a.bias", b), ("s", scalar), ("e", empty)], metadata: metadata, to: url("m.safetensors"))
        let (tensors, meta) = try SafetensorsFile.read(from: url("m.safetensors"))
        XCTAssertEqual(meta, metadata)
        XCTAssertEqual(Set(tensors.keys), ["z.weight", "a.bias", "s", "e"])
        XCTAssertEqual(tensors["z.weight"]?.shape, [3, 4])
        XCTAssertEqual(tensors["z.weight"]?.array, w.array)
        XCTAssertEqual(tensors["a.bias"]?.array, b.array)
        XCTAssertEqual(tensors["s"]?.shape, [])
        XCTAssertEqual(tensors["s"]?.array, [7])
        XCTAssertEqual(tensors["e"]?.shape, [0, 5])
    }

    /// The exact bytes the Python package writes for the same content.
    func testHeaderLayoutMatchesReferenceWriter() throws {
        try SafetensorsFile.write(tensors: [("b", Tensor(shape: [2], values: [1, 2])), ("a", Tensor(shape: [1, 1], values: [3]))],
                                  metadata: ["k": "v"], to: url("h.safetensors"))
        let bytes = [UInt8](try Data(contentsOf: url("h.safetensors")))
        let n = Int(bytes[0]) | Int(bytes[1]) << 8
        XCTAssertEqual(bytes[2..<8], [0, 0, 0, 0, 0, 0])
        XCTAssertEqual(n % 8, 0, "header padded to a multiple of 8")
        let header = String(decoding: bytes[8..<(8 + n)], as: UTF8.self)
        let expected = #"{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[1,1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
        XCTAssertEqual(header.trimmingCharacters(in: .whitespaces), expected)
        XCTAssertEqual(bytes.count, 8 + n + 12)
        XCTAssertEqual(Array(bytes[(8 + n)..<(8 + n + 4)]), [0x00, 0x00, 0x40, 0x40], "3.0 little-endian first: sorted by name")
    }

    func testWriteIsAtomicAndValidatesNames() throws {
        let target = url("w.safetensors")
        try SafetensorsFile.write(tensors: [("x", Tensor(shape: [1], values: [1]))], metadata: [:], to: target)
        try SafetensorsFile.write(tensors: [("x", Tensor(shape: [1], values: [2]))], metadata: [:], to: target)
        XCTAssertEqual(try SafetensorsFile.read(from: target).tensors["x"]?.array, [2])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["w.safetensors"], "no temporary file left behind")
        XCTAssertThrowsError(try SafetensorsFile.write(tensors: [("x", Tensor(shape: [1])), ("x", Tensor(shape: [1]))], metadata: [:], to: target)) {
            XCTAssertEqual(($0 as? SafetensorsError)?.kind, .duplicateName)
        }
        XCTAssertThrowsError(try SafetensorsFile.write(tensors: [("__metadata__", Tensor(shape: [1]))], metadata: [:], to: target)) {
            XCTAssertEqual(($0 as? SafetensorsError)?.kind, .badName)
        }
        XCTAssertEqual(try SafetensorsFile.read(from: target).tensors["x"]?.array, [2], "a failed write leaves the old file intact")
        XCTAssertThrowsError(try AtomicFile.write(Data([1]), to: url("missing/f.bin"))) {
            XCTAssertTrue("\($0)".contains("does not exist"), "\($0)")
        }
        try AtomicFile.write(Data("log\n".utf8), to: url("log.txt"))
        XCTAssertEqual(try String(contentsOf: url("log.txt"), encoding: .utf8), "log\n")
    }

    // MARK: Corruption

    /// A file from a raw header and data section.
    private func file(_ header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) -> [UInt8] {
        let h = Array(header.utf8)
        var length = declaredLength ?? UInt64(h.count)
        return withUnsafeBytes(of: &length) { Array($0) } + h + data
    }

    private func expect(_ kind: SafetensorsError.Kind, _ fragments: [String], _ bytes: [UInt8], line: UInt = #line) {
        do {
            try Data(bytes).write(to: url("bad.safetensors"))
            _ = try SafetensorsFile.read(from: url("bad.safetensors"))
            XCTFail("expected \(kind)", line: line)
        } catch let e as SafetensorsError {
            XCTAssertEqual(e.kind, kind, e.message, line: line)
            for f in [url("bad.safetensors").path] + fragments {
                XCTAssertTrue(e.message.contains(f), "message lacks '\(f)': \(e.message)", line: line)
            }
        } catch {
            XCTFail("unexpected \(error)", line: line)
        }
    }

    private let four: [UInt8] = [0, 0, 128, 63] // 1.0

    func testMissingFileAndTooSmall() throws {
        XCTAssertThrowsError(try SafetensorsFile.read(from: url("none.safetensors"))) {
            XCTAssertEqual(($0 as? SafetensorsError)?.kind, .missingFile)
        }
        expect(.tooSmall, ["truncated"], [1, 2, 3])
    }

    func testHeaderLengthChecks() {
        expect(.headerLength, ["exceeds"], file("{}", declaredLength: 1 << 40))
        expect(.headerLength, ["runs past the end", "truncated"], file("{}", declaredLength: 50))
    }

    func testMalformedJSON() {
        expect(.badJSON, ["does not start with '{'"], file("[1]     "))
        expect(.badJSON, ["header JSON at byte", "expected"], file(#"{"a":{"dtype":"F32",}}"#))
        expect(.badJSON, ["unterminated"], file(#"{"a"#))
        expect(.badJSON, ["unexpected text"], file("{}}"))
    }

    func testDuplicateNames() {
        let entry = #"{"dtype":"F32","shape":[1],"data_offsets":[0,4]}"#
        expect(.duplicateName, ["duplicate key \"w\""], file(#"{"w":\#(entry),"w":\#(entry)}"#, data: four))
    }

    func testBadEntries() {
        expect(.badEntry, ["tensor 'w'", "dtype"], file(#"{"w":{"shape":[1],"data_offsets":[0,4]}}"#, data: four))
        expect(.badEntry, ["tensor 'w'", "shape"], file(#"{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, data: four))
        expect(.badEntry, ["tensor 'w'", "data_offsets"], file(#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}}"#, data: four))
        expect(.badEntry, ["tensor 'w'", "unknown dtype \"F33\""], file(#"{"w":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}}"#, data: four))
        expect(.badEntry, ["__metadata__", "'n'", "not a string"], file(#"{"__metadata__":{"n":1}}"#))
        expect(.badEntry, ["tensor 'w'", "more elements"], file(#"{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}"#, data: four))
    }

    func testUnsupportedDType() {
        expect(.unsupportedDType, ["tensor 'ids'", "I64", "F32, F16, BF16 and F64"],
               file(#"{"ids":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#, data: four + four))
    }

    func testOffsetsOutOfRange() {
        expect(.badOffsets, ["tensor 'w'", "ends at byte 8", "holds only 4"], file(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: four))
        expect(.badOffsets, ["tensor 'w'", "begin after end"], file(#"{"w":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}"#, data: four))
    }

    func testOverlapGapAndTrailingBytes() {
        let overlap = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
        expect(.overlap, ["tensor 'b'", "overlaps tensor 'a'"], file(overlap, data: four + four + four))
        let gap = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#
        expect(.badOffsets, ["tensor 'b'", "starts at byte 8", "without gaps"], file(gap, data: four + four + four))
        expect(.sizeMismatch, ["cover 4 bytes", "holds 8"], file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: four + four))
    }

    func testShapeDisagreesWithByteLength() {
        expect(.sizeMismatch, ["tensor 'w'", "shape [3]", "12 bytes", "span 8"], file(#"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: four + four))
    }

    func testTruncatedFileFromWriter() throws {
        try SafetensorsFile.write(tensors: [("w", Tensor(shape: [8], repeating: 1))], metadata: [:], to: url("ok.safetensors"))
        let bytes = [UInt8](try Data(contentsOf: url("ok.safetensors")))
        expect(.badOffsets, ["tensor 'w'", "truncated"], Array(bytes.dropLast(3)))
    }

    // MARK: Other dtypes

    func testReadsHalfBFloatAndDoubleAsFloat() throws {
        // F16: 1.0, -2.0, 65504 (max), smallest subnormal 2^-24, +inf.
        let half: [UInt16] = [0x3C00, 0xC000, 0x7BFF, 0x0001, 0x7C00]
        // BF16: 1.0, -0.5, 3.140625.
        let bf: [UInt16] = [0x3F80, 0xBF00, 0x4049]
        let double: [Double] = [0.1, -1e10]
        var data = [UInt8]()
        for h in half { data += [UInt8(h & 0xFF), UInt8(h >> 8)] }
        for h in bf { data += [UInt8(h & 0xFF), UInt8(h >> 8)] }
        for d in double { var bits = d.bitPattern.littleEndian; data += withUnsafeBytes(of: &bits) { Array($0) } }
        var header = #"{"b":{"dtype":"BF16","shape":[3],"data_offsets":[10,16]},"d":{"dtype":"F64","shape":[2],"data_offsets":[16,32]},"h":{"dtype":"F16","shape":[5],"data_offsets":[0,10]}}"#
        while header.utf8.count % 8 != 0 { header += " " }
        try Data(file(header, data: data)).write(to: url("mixed.safetensors"))
        let t = try SafetensorsFile.read(from: url("mixed.safetensors")).tensors
        XCTAssertEqual(t["h"]?.array, [1, -2, 65504, 0x1p-24, .infinity])
        XCTAssertEqual(t["b"]?.array, [1, -0.5, 3.140625])
        XCTAssertEqual(t["d"]?.array, [Float(0.1), -1e10])
    }

    func testHalfConversionMatchesFloat16ForEveryBitPattern() {
        #if !((os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64))
        for bits in 0...UInt16.max {
            let expected = Float(Float16(bitPattern: bits))
            let got = halfToFloat(bits)
            if expected.isNaN { XCTAssertTrue(got.isNaN); continue }
            XCTAssertEqual(got.bitPattern, expected.bitPattern, "half 0x\(String(bits, radix: 16))")
        }
        #endif
    }
}

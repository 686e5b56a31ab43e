import Foundation
import XCTest
@testable import Engine

/// Cross-checks against the reference implementation, the Python `safetensors` package.
final class SafetensorsPythonTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        let probe = try python(["-c", "import safetensors, numpy"])
        if probe.status != 0 {
            throw XCTSkip("python3 with safetensors and numpy is not available (pip install safetensors numpy): \(probe.output)")
        }
        folder = try DataFixtures.temporaryFolder()
    }

    override func tearDown() { if let folder { DataFixtures.remove(folder) } }

    private func python(_ arguments: [String]) throws -> (status: Int32, output: String) {
        // The interop environment that scripts/setup-interop prepares (PRN_PYTHON overrides it),
        // else whatever python3 is on PATH.
        let env = ProcessInfo.processInfo.environment
        let venv = (env["XDG_CACHE_HOME"] ?? NSHomeDirectory() + "/.cache") + "/prn/interop-venv/bin/python"
        let process = Process()
        if let chosen = env["PRN_PYTHON"] ?? (FileManager.default.isExecutableFile(atPath: venv) ? venv : nil) {
            process.executableURL = URL(fileURLWithPath: chosen)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3"] + arguments
        }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func testPythonReadsPrnFile() throws {
        let target = folder.appendingPathComponent("prn.safetensors")
        let w = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, -6.5])
        try SafetensorsFile.write(tensors: [("layer.weight", w), ("layer.bias", Tensor(shape: [3], values: [0.25, 0, -1]))],
                                  metadata: ["epoch": "3", "model": "lenet"], to: target)
        // Python serialises metadata from a Rust HashMap, whose order varies between runs, so
        // byte identity is checked on a file with a single metadata entry.
        let single = folder.appendingPathComponent("single.safetensors")
        try SafetensorsFile.write(tensors: [("layer.weight", w), ("layer.bias", Tensor(shape: [3], values: [0.25, 0, -1]))],
                                  metadata: ["model": "lenet"], to: single)
        let script = """
        import sys, numpy as np
        from safetensors import safe_open
        with safe_open(sys.argv[1], framework="np") as f:
            assert f.metadata() == {"epoch": "3", "model": "lenet"}, f.metadata()
            assert sorted(f.keys()) == ["layer.bias", "layer.weight"], list(f.keys())
            w = f.get_tensor("layer.weight"); b = f.get_tensor("layer.bias")
            assert w.dtype == np.float32 and w.shape == (2, 3), (w.dtype, w.shape)
            assert np.array_equal(w, np.array([[1, 2, 3], [4, 5, -6.5]], dtype=np.float32)), w
            assert np.array_equal(b, np.array([0.25, 0, -1], dtype=np.float32)), b
        from safetensors.numpy import save
        same = save({"layer.weight": w, "layer.bias": b}, metadata={"model": "lenet"})
        print("identical" if same == open(sys.argv[2], "rb").read() else "different")
        """
        let result = try python(["-c", script, target.path, single.path])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertEqual(result.output.trimmingCharacters(in: .whitespacesAndNewlines), "identical",
                       "prn's bytes should equal what Python writes for the same tensors")
    }

    func testPrnReadsPythonFile() throws {
        let target = folder.appendingPathComponent("py.safetensors")
        let script = """
        import sys, numpy as np
        from safetensors.numpy import save_file
        save_file({
            "f32": np.arange(12, dtype=np.float32).reshape(3, 4) / 7,
            "f16": np.array([1.5, -0.25, 65504], dtype=np.float16),
            "f64": np.array([[0.1], [1e-30]], dtype=np.float64),
            "empty": np.zeros((0, 2), dtype=np.float32),
        }, sys.argv[1], metadata={"source": "numpy"})
        """
        let result = try python(["-c", script, target.path])
        XCTAssertEqual(result.status, 0, result.output)
        let (tensors, metadata) = try SafetensorsFile.read(from: target)
        XCTAssertEqual(metadata, ["source": "numpy"])
        XCTAssertEqual(tensors["f32"]?.shape, [3, 4])
        XCTAssertEqual(tensors["f32"]?.array, (0..<12).map { Float($0) / 7 })
        XCTAssertEqual(tensors["f16"]?.array, [1.5, -0.25, 65504])
        XCTAssertEqual(tensors["f64"]?.shape, [2, 1])
        XCTAssertEqual(tensors["f64"]?.array, [Float(0.1), Float(1e-30)])
        XCTAssertEqual(tensors["empty"]?.shape, [0, 2])
    }

    func testIntegerTensorFromPythonIsRefusedClearly() throws {
        // An integer tensor is valid safetensors; prn must refuse it with a clear message, not misread it.
        let target = folder.appendingPathComponent("ints.safetensors")
        let result = try python(["-c", "import sys, numpy as np\nfrom safetensors.numpy import save_file\nsave_file({'ids': np.arange(4, dtype=np.int64)}, sys.argv[1])", target.path])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertThrowsError(try SafetensorsFile.read(from: target)) {
            XCTAssertEqual(($0 as? SafetensorsError)?.kind, .unsupportedDType)
            XCTAssertTrue("\($0)".contains("'ids'"))
        }
    }
}

import Engine
import Foundation
import ONNX
import Runtime

/// libFuzzer entry point over what prn reads from outside: scripts (the language front end) and
/// files made elsewhere: run logs (and the report built from them), safetensors model files, ONNX
/// models and IDX data files. One binary holds every target; PRN_FUZZ_TARGET picks one
/// (scripts/fuzz sets it). Any trap, sanitizer report, timeout or memory blow-up is a bug in the
/// reader: a damaged input must end in an error.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Data(bytes: $0, count: size) } ?? Data()
    FuzzTarget.selected.run(bytes)
    return 0
}

/// SwiftPM links an executable target's entry point as `main`, so libFuzzer's own main is not
/// used: this one hands the command line to libFuzzer's driver.
@main
enum FuzzMain {
    static func main() {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runFuzzerDriver(&argc, &argv, fuzzInput))
    }
}

@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>,
                     _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

enum FuzzTarget: String, CaseIterable {
    case language, runlog, safetensors, onnx, idx

    /// A wrong name must stop the run at once, not fuzz nothing for minutes.
    static let selected: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["PRN_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            let names = allCases.map(\.rawValue).joined(separator: ", ")
            FileHandle.standardError.write(Data("PRN_FUZZ_TARGET must be one of \(names), got '\(name)'\n".utf8))
            exit(2)
        }
        return target
    }()

    /// Readers that only take a path get the input through this file, one per fuzzing process.
    static let scratch: URL = {
        let folder = ProcessInfo.processInfo.environment["PRN_FUZZ_SCRATCH"] ?? NSTemporaryDirectory()
        return URL(fileURLWithPath: folder).appendingPathComponent("input-\(getpid())")
    }()

    func run(_ bytes: Data) {
        switch self {
        case .language:
            FrontEndFuzz.run([UInt8](bytes))
        case .runlog:
            // What `prn report` does with a log: extraction, aggregation, every table and plot.
            guard let input = try? RunLogReader.parse(bytes, path: "fuzz.jsonl") else { return }
            _ = try? ReportWriter.renderAll(ReportSummary(input))
        case .onnx:
            _ = try? ONNXImport.model(from: bytes, source: "fuzz.onnx")
        case .safetensors:
            // Header, JSON, architecture metadata and the shape checks against it.
            let url = Self.scratch.appendingPathExtension("safetensors")
            guard (try? bytes.write(to: url)) != nil else { return }
            _ = try? ModelFile.load(from: url)
        case .idx:
            // The same bytes as an image file and as a label file, raw or gzip-compressed.
            let url = Self.scratch.appendingPathExtension("idx")
            guard (try? bytes.write(to: url)) != nil else { return }
            _ = try? IDXReader.loadImages(url)
            _ = try? IDXReader.loadLabels(url)
        }
    }
}

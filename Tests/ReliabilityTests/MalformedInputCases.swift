import Foundation

/// One hostile input: files to plant, a script that reads them, and how prn must react.
struct MalformedCase {
    let name: String
    /// Writes the damaged files into the case's folder (`data/` is PRN_DATA).
    let setup: (TemporaryFolder) throws -> Void
    let script: [UInt8]
    let status: Int32
    /// Texts stderr must contain: the file, line or option at fault and what is wrong.
    let mentions: [String]
    var environment: [String: String] = [:]

    init(_ name: String, status: Int32, mentions: [String], environment: [String: String] = [:],
         script: String, setup: @escaping (TemporaryFolder) throws -> Void = { _ in }) {
        self.init(name, status: status, mentions: mentions, environment: environment, scriptBytes: Array(script.utf8), setup: setup)
    }

    init(_ name: String, status: Int32, mentions: [String], environment: [String: String] = [:],
         scriptBytes: [UInt8], setup: @escaping (TemporaryFolder) throws -> Void = { _ in }) {
        self.name = name
        self.status = status
        self.mentions = mentions
        self.environment = environment
        self.script = scriptBytes
        self.setup = setup
    }
}

/// The table: datasets, model files, scripts and option values that must each end in a clear
/// error (65 for a script refused before running, 65 too for a data, model or ONNX file a
/// command refused while running, 70 for other failures while running), never a crash, a hang
/// or a huge allocation.
enum MalformedInputCases {
    typealias F = DataFixtures
    static let staticError: Int32 = 65, dataError: Int32 = 65, runtimeError: Int32 = 70
    static let mnistScript = "seed 1\ndata mnist\n"

    static var all: [MalformedCase] { idx + cifar + csv + arraysAndImages + safetensors + onnx + scripts + options + modelFileChecks }

    static var idx: [MalformedCase] { [
        MalformedCase("idx truncated images", status: dataError, mentions: ["train-images-idx3-ubyte", "truncated", "main.prn:2"],
                      script: mnistScript) { try F.mnist(in: $0, replace: ["trainImages": Array(F.idxImages(64).prefix(5000))]) },
        MalformedCase("idx header only", status: dataError, mentions: ["t10k-images-idx3-ubyte", "truncated"],
                      script: mnistScript) { try F.mnist(in: $0, replace: ["testImages": Array(F.idxImages(32).prefix(16))]) },
        MalformedCase("idx empty file", status: dataError, mentions: ["train-labels-idx1-ubyte", "too short"],
                      script: mnistScript) { try F.mnist(in: $0, replace: ["trainLabels": []]) },
        MalformedCase("idx bad magic", status: dataError, mentions: ["train-labels-idx1-ubyte", "magic"],
                      script: mnistScript) { try F.mnist(in: $0, replace: ["trainLabels": Array("GIF89a, not IDX at all".utf8)]) },
        MalformedCase("idx huge dimensions", status: dataError, mentions: ["train-images-idx3-ubyte", "4294967295"],
                      script: mnistScript) {
            try F.mnist(in: $0, replace: ["trainImages": F.idx(dims: [.max, .max, .max], payload: [1, 2, 3])])
        },
        MalformedCase("idx zero items", status: dataError, mentions: ["train-labels-idx1-ubyte", "0 items"],
                      script: mnistScript) { try F.mnist(in: $0, replace: ["trainLabels": F.idx(dims: [0], payload: [])]) },
        MalformedCase("idx zero width with huge counts", status: dataError, mentions: ["train-images-idx3-ubyte", "dimension 2 is 0"],
                      script: mnistScript) {
            try F.mnist(in: $0, replace: ["trainImages": F.idx(dims: [.max, .max, 0], payload: [])])
        },
        MalformedCase("idx trailing bytes", status: dataError, mentions: ["train-images-idx3-ubyte", "unexpected bytes"],
                      script: mnistScript) { try F.mnist(in: $0, replace: ["trainImages": F.idxImages(64) + [9, 9, 9]]) },
        MalformedCase("idx count mismatch", status: dataError, mentions: ["64 images", "60 labels"],
                      script: mnistScript) { try F.mnist(in: $0, replace: ["trainLabels": F.idxLabels(60)]) },
        MalformedCase("idx label out of range", status: dataError, mentions: ["train-labels-idx1-ubyte", "label 200"],
                      script: mnistScript) {
            try F.mnist(in: $0, replace: ["trainLabels": F.idx(dims: [64], payload: [200] + [UInt8](repeating: 1, count: 63))])
        },
        MalformedCase("idx float values", status: dataError, mentions: ["train-images-idx3-ubyte", "0x0D"],
                      script: mnistScript) {
            try F.mnist(in: $0, replace: ["trainImages": F.idx(type: 0x0D, dims: [64, 28, 28], payload: [])])
        },
        MalformedCase("idx files swapped", status: dataError, mentions: ["train-images-idx3-ubyte", "swapped"],
                      script: mnistScript) { try F.mnist(in: $0, replace: ["trainImages": F.idxLabels(64)]) },
        MalformedCase("idx truncated gzip", status: dataError, mentions: ["train-images-idx3-ubyte.gz", "gzip"],
                      script: mnistScript) { folder in
            try F.mnist(in: folder)
            try FileManager.default.removeItem(at: folder.path("data/mnist/train-images-idx3-ubyte"))
            let gz = try F.gzip(F.idxImages(64))
            try folder.write("data/mnist/train-images-idx3-ubyte.gz", Array(gz.prefix(gz.count / 2)))
        },
    ] }

    static var cifar: [MalformedCase] { [
        MalformedCase("cifar10 truncated record", status: dataError, mentions: ["data_batch_1.bin", "truncated"],
                      script: "data cifar10\n") { try F.cifar10(in: $0, replaceFirstTrain: Array(F.cifarRecords(4).dropLast(100))) },
        MalformedCase("cifar10 empty batch", status: dataError, mentions: ["data_batch_1.bin", "empty"],
                      script: "data cifar10\n") { try F.cifar10(in: $0, replaceFirstTrain: []) },
        MalformedCase("cifar10 label 12", status: dataError, mentions: ["data_batch_1.bin", "label 12"],
                      script: "data cifar10\n") { try F.cifar10(in: $0, replaceFirstTrain: F.cifarRecords(2, labelBytes: [12])) },
        MalformedCase("cifar100 coarse label", status: dataError, mentions: ["train.bin", "coarse label 30"],
                      script: "data cifar100\n") { try F.cifar100(in: $0, train: F.cifarRecords(2, labelBytes: [30, 5])) },
    ] }

    static var csv: [MalformedCase] { [
        MalformedCase("csv ragged row", status: dataError, mentions: ["train.csv:3", "columns"],
                      script: "data \"table\"\n") { try F.csv(in: $0, train: "a,b,label\n1,2,0\n1,2\n") },
        MalformedCase("csv text cell", status: dataError, mentions: ["train.csv:2:2", "'abc'"],
                      script: "data \"table\"\n") { try F.csv(in: $0, train: "a,b,label\n1,abc,0\n") },
        MalformedCase("csv infinite cell", status: dataError, mentions: ["train.csv:2:1", "finite"],
                      script: "data \"table\"\n") { try F.csv(in: $0, train: "a,b,label\n1e999,1,0\n") },
        MalformedCase("csv negative label", status: dataError, mentions: ["train.csv:2:3", "label"],
                      script: "data \"table\"\n") { try F.csv(in: $0, train: "a,b,label\n1,2,-1\n") },
        MalformedCase("csv header only", status: dataError, mentions: ["train.csv", "no data rows"],
                      script: "data \"table\"\n") { try F.csv(in: $0, train: "a,b,label\n") },
        MalformedCase("csv empty", status: dataError, mentions: ["test.csv", "no rows"],
                      script: "data \"table\"\n") { try F.csv(in: $0, train: F.goodCSV, test: "\n\n") },
        MalformedCase("csv not utf8", status: dataError, mentions: ["train.csv", "UTF-8"],
                      script: "data \"table\"\n") { folder in
            try folder.write("table/train.csv", [0x61, 0x2C, 0xFF, 0xFE, 0x0A, 0x31, 0x2C, 0x30, 0x0A])
            try folder.write("table/test.csv", text: F.goodCSV)
        },
        MalformedCase("csv huge label needs a huge model", status: runtimeError, mentions: ["main.prn:2", "GB", "PRN_MEMORY_GB"],
                      environment: ["PRN_MEMORY_GB": "2"], script: "data \"table\"\nload mlp\n") {
            try F.csv(in: $0, train: "a,b,label\n1,2,0\n3,4,2000000000\n")
        },
    ] }

    static var safetensors: [MalformedCase] {
        let arch = F.linearArchitecture(inputs: 4, outputs: 2)
        let meta = #""__metadata__":{"prn.architecture":\#(F.jsonQuoted(arch)),"prn.format":"prn-model-1"}"#
        let good = #"{\#(meta),"0.bias":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"0.weight":{"dtype":"F32","shape":[2,4],"data_offsets":[8,40]}}"#
        func file(_ bytes: [UInt8]) -> (TemporaryFolder) throws -> Void { { try $0.write("m.safetensors", bytes) } }
        let load = "load \"m.safetensors\"\n"
        return [
            MalformedCase("safetensors truncated data", status: dataError, mentions: ["m.safetensors", "truncated", "main.prn:1"],
                          script: load, setup: file(Array(F.safetensors(header: good, dataBytes: 40).dropLast(7)))),
            MalformedCase("safetensors 7 bytes", status: dataError, mentions: ["m.safetensors", "too small"],
                          script: load, setup: file([1, 2, 3, 4, 5, 6, 7])),
            MalformedCase("safetensors huge header length", status: dataError, mentions: ["m.safetensors", "header length"],
                          script: load, setup: file(F.safetensors(header: good, dataBytes: 40, declaredLength: 1 << 60))),
            MalformedCase("safetensors header past the end", status: dataError, mentions: ["m.safetensors", "runs past"],
                          script: load, setup: file(F.safetensors(header: good, dataBytes: 40, declaredLength: 90_000_000))),
            MalformedCase("safetensors bad json", status: dataError, mentions: ["m.safetensors", "header JSON"],
                          script: load, setup: file(F.safetensors(header: "{\"a\": [1, 2,,]}", dataBytes: 0))),
            MalformedCase("safetensors unknown dtype", status: dataError, mentions: ["m.safetensors", "unknown dtype \"Q7\""],
                          script: load, setup: file(F.safetensors(header: good.replacingOccurrences(of: "\"F32\",\"shape\":[2]", with: "\"Q7\",\"shape\":[2]"), dataBytes: 40))),
            MalformedCase("safetensors integer dtype", status: dataError, mentions: ["m.safetensors", "I64"],
                          script: load, setup: file(F.safetensors(header: good.replacingOccurrences(of: "\"F32\",\"shape\":[2]", with: "\"I64\",\"shape\":[1]"), dataBytes: 40))),
            MalformedCase("safetensors shape claims huge size", status: dataError, mentions: ["m.safetensors", "0.weight"],
                          script: load, setup: file(F.safetensors(header: good.replacingOccurrences(of: "[2,4]", with: "[4294967296,4294967296,4294967296]"), dataBytes: 40))),
            MalformedCase("safetensors no architecture", status: dataError, mentions: ["m.safetensors", "prn.architecture"],
                          script: load, setup: file(F.safetensors(header: #"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, dataBytes: 4))),
            MalformedCase("safetensors architecture claims huge layer", status: dataError, mentions: ["m.safetensors", "needs at least"],
                          script: load, setup: file(F.safetensors(header: good.replacingOccurrences(
                            of: F.jsonQuoted(arch), with: F.jsonQuoted(#"{"classes":2,"input":[4],"name":"mlp","nodes":[{"config":{"bias":1,"in":4,"out":900000000},"inputs":[0],"kind":"linear","name":"0"},{"config":{"bias":1,"in":900000000,"out":2},"inputs":[1],"kind":"linear","name":"1"}]}"#)), dataBytes: 40))),
            MalformedCase("safetensors shape mismatch", status: dataError, mentions: ["m.safetensors", "0.weight", "[2, 4]"],
                          script: load, setup: file(F.safetensors(header: good.replacingOccurrences(of: "[2,4]", with: "[4,2]"), dataBytes: 40))),
            MalformedCase("safetensors model for other data", status: dataError, mentions: ["main.prn:2", "m.safetensors", "[4]", "[1, 28, 28]"],
                          script: "data mnist\n" + load) { folder in
                try F.mnist(in: folder)
                try folder.write("m.safetensors", F.safetensors(header: good.replacingOccurrences(of: F.jsonQuoted(arch), with: F.jsonQuoted(F.linearArchitecture(inputs: 4, outputs: 2))), dataBytes: 40))
            },
        ]
    }

    static var onnx: [MalformedCase] {
        func file(_ bytes: [UInt8]) -> (TemporaryFolder) throws -> Void { { try $0.write("m.onnx", bytes) } }
        let load = "load \"m.onnx\"\n"
        return [
            MalformedCase("onnx empty file", status: dataError, mentions: ["m.onnx", "main.prn:1"], script: load, setup: file([])),
            MalformedCase("onnx random bytes", status: dataError, mentions: ["m.onnx"], script: load,
                          setup: file((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) })),
            // Field 7 (graph), length-delimited, claiming 2^62 bytes.
            MalformedCase("onnx graph length claims huge size", status: dataError, mentions: ["m.onnx"], script: load,
                          setup: file([0x08, 0x07, 0x3A, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x3F, 0x01, 0x02])),
        ]
    }

    static var scripts: [MalformedCase] { [
        MalformedCase("script not utf8", status: staticError, mentions: ["main.prn:2", "UTF-8"],
                      scriptBytes: Array("seed 1\nprint \"caf".utf8) + [0xE9, 0x22, 0x0A]),
        MalformedCase("script deeply nested blocks", status: staticError, mentions: ["main.prn:", "nest"],
                      script: String(repeating: "if true {\n", count: 2000) + String(repeating: "}\n", count: 2000)),
        MalformedCase("script deeply nested brackets", status: staticError, mentions: ["main.prn:1", "nest"],
                      script: "let x = " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "\n"),
        MalformedCase("script deeply nested parentheses", status: staticError, mentions: ["main.prn:1", "nest"],
                      script: "let x = " + String(repeating: "(", count: 100_000) + "1" + String(repeating: ")", count: 100_000) + "\n"),
        MalformedCase("script unbounded recursion", status: runtimeError, mentions: ["main.prn:", "recurs"],
                      script: "def f(n) {\n  return (f n)\n}\nprint (f 1)\n"),
    ] }

    static var options: [MalformedCase] { [
        MalformedCase("epochs 1e12", status: staticError, mentions: ["main.prn:3", "epochs"],
                      script: "data mnist\nload lenet300\ntrain epochs=1e12\n", setup: { try F.mnist(in: $0) }),
        MalformedCase("batch 0", status: staticError, mentions: ["main.prn:3", "batch"],
                      script: "data mnist\nload lenet300\ntrain batch=0\n", setup: { try F.mnist(in: $0) }),
        MalformedCase("width 1e6", status: staticError, mentions: ["main.prn:2", "width"],
                      script: "data mnist\nload vgg16 width=1e6\n", setup: { try F.mnist(in: $0) }),
        MalformedCase("prune 1.5", status: staticError, mentions: ["main.prn:4", "1.5"],
                      script: "data mnist\nload lenet300\nscore magnitude\nprune 1.5\n", setup: { try F.mnist(in: $0) }),
        MalformedCase("prune -1", status: staticError, mentions: ["main.prn:4", "prune"],
                      script: "data mnist\nload lenet300\nscore magnitude\nprune -1\n", setup: { try F.mnist(in: $0) }),
        MalformedCase("lr computed as 0/0", status: runtimeError, mentions: ["main.prn:4", "division by zero"],
                      script: "data mnist\nload lenet300\nlet z = 0\ntrain epochs=1 lr=(z / z)\n", setup: { try F.mnist(in: $0) }),
        MalformedCase("mlp hidden beyond the memory budget", status: runtimeError, mentions: ["main.prn:2", "GB", "PRN_MEMORY_GB"],
                      environment: ["PRN_MEMORY_GB": "1"],
                      script: "data mnist\nload mlp hidden=[65536, 65536, 65536]\n", setup: { try F.mnist(in: $0) }),
        MalformedCase("vgg16 width 4 beyond a small budget", status: runtimeError, mentions: ["main.prn:2", "GB", "PRN_MEMORY_GB"],
                      environment: ["PRN_MEMORY_GB": "0.5"],
                      script: "data mnist\nload vgg16 width=4\n", setup: { try F.mnist(in: $0) }),
        MalformedCase("batch beyond the memory budget", status: runtimeError, mentions: ["main.prn:3", "batch 65536", "GB"],
                      environment: ["PRN_MEMORY_GB": "1"],
                      script: "data mnist\nload vgg-small width=0.5\ntrain epochs=1 batch=65536\n", setup: { try F.mnist(in: $0) }),
    ] }
}

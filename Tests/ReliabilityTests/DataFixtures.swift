import Foundation

/// Small well-formed dataset and model files, and the byte-level damage the tests apply to them.
enum DataFixtures {
    // MARK: IDX (MNIST layout)

    static func idx(type: UInt8 = 0x08, dims: [UInt32], payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0, 0, type, UInt8(dims.count)]
        for d in dims { out += withUnsafeBytes(of: d.bigEndian) { Array($0) } }
        return out + payload
    }

    static func idxImages(_ n: Int, side: Int = 28) -> [UInt8] {
        idx(dims: [UInt32(n), UInt32(side), UInt32(side)], payload: (0..<(n * side * side)).map { UInt8($0 % 251) })
    }

    static func idxLabels(_ n: Int, classes: Int = 10) -> [UInt8] {
        idx(dims: [UInt32(n)], payload: (0..<n).map { UInt8($0 % classes) })
    }

    /// Writes the four MNIST files into `root/mnist`, letting `replace` swap any of them
    /// (keys: trainImages, trainLabels, testImages, testLabels).
    static func mnist(in folder: TemporaryFolder, root: String = "data", train: Int = 64, test: Int = 32,
                      replace: [String: [UInt8]] = [:]) throws {
        let files: [(String, String, [UInt8])] = [
            ("trainImages", "train-images-idx3-ubyte", idxImages(train)),
            ("trainLabels", "train-labels-idx1-ubyte", idxLabels(train)),
            ("testImages", "t10k-images-idx3-ubyte", idxImages(test)),
            ("testLabels", "t10k-labels-idx1-ubyte", idxLabels(test)),
        ]
        for (key, name, bytes) in files {
            try folder.write("\(root)/mnist/\(name)", replace[key] ?? bytes)
        }
    }

    // MARK: CIFAR binary

    static func cifarRecords(_ n: Int, labelBytes: [UInt8] = [3]) -> [UInt8] {
        var out = [UInt8]()
        for i in 0..<n {
            out += labelBytes
            out += (0..<3072).map { UInt8(($0 + i) % 256) }
        }
        return out
    }

    static func cifar10(in folder: TemporaryFolder, replaceFirstTrain: [UInt8]? = nil) throws {
        for b in 1...5 {
            try folder.write("data/cifar-10-batches-bin/data_batch_\(b).bin", b == 1 ? (replaceFirstTrain ?? cifarRecords(4)) : cifarRecords(4))
        }
        try folder.write("data/cifar-10-batches-bin/test_batch.bin", cifarRecords(4))
    }

    static func cifar100(in folder: TemporaryFolder, train: [UInt8]) throws {
        try folder.write("data/cifar-100-binary/train.bin", train)
        try folder.write("data/cifar-100-binary/test.bin", cifarRecords(4, labelBytes: [1, 5]))
    }

    // MARK: CSV

    static let goodCSV = "a,b,label\n0.1,0.2,0\n0.3,0.4,1\n0.5,0.6,0\n"

    static func csv(in folder: TemporaryFolder, train: String, test: String = goodCSV) throws {
        try folder.write("table/train.csv", text: train)
        try folder.write("table/test.csv", text: test)
    }

    // MARK: safetensors

    /// A safetensors file from a header given as text and a data section of `dataBytes` bytes.
    static func safetensors(header: String, dataBytes: Int, declaredLength: UInt64? = nil) -> [UInt8] {
        var json = Array(header.utf8)
        while json.count % 8 != 0 { json.append(UInt8(ascii: " ")) }
        let length = declaredLength ?? UInt64(json.count)
        return withUnsafeBytes(of: length.littleEndian) { Array($0) } + json + [UInt8](repeating: 0, count: dataBytes)
    }

    /// Architecture metadata of a single linear layer `inputs -> outputs` on flat inputs.
    static func linearArchitecture(inputs: Int, outputs: Int) -> String {
        #"{"classes":\#(outputs),"input":[\#(inputs)],"name":"mlp","nodes":[{"config":{"bias":1,"in":\#(inputs),"out":\#(outputs)},"inputs":[0],"kind":"linear","name":"0"}]}"#
    }

    static func jsonQuoted(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    // MARK: gzip

    /// Compresses with the system gzip (always present where prn builds).
    static func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
        let folder = try TemporaryFolder("gzip")
        let input = folder.path("data")
        try Data(bytes).write(to: input)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/gzip")
        p.arguments = ["-n", "-f", input.path]
        try p.run()
        p.waitUntilExit()
        return [UInt8](try Data(contentsOf: folder.path("data.gz")))
    }
}

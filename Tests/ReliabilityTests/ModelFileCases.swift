import Foundation

/// Model files that lie about their contents: non-finite weights, masks that are not 0/1, a
/// format version prn does not know, and architecture numbers that cannot be sizes.
extension MalformedInputCases {
    /// A one-layer model file (4 inputs, 2 classes) with chosen values, mask and metadata.
    static func modelFile(weight: [Float] = [Float](repeating: 0.1, count: 8), bias: [Float] = [0, 0],
                          mask: [Float]? = nil, format: String = "prn-model-1",
                          architecture: String = DataFixtures.linearArchitecture(inputs: 4, outputs: 2)) -> [UInt8] {
        let meta = #""__metadata__":{"prn.architecture":\#(DataFixtures.jsonQuoted(architecture)),"prn.format":\#(DataFixtures.jsonQuoted(format))}"#
        var entries = [#""0.bias":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}"#,
                       #""0.weight":{"dtype":"F32","shape":[2,4],"data_offsets":[8,40]}"#]
        var values = bias + weight
        if let mask {
            entries.append(#""0.weight_mask":{"dtype":"F32","shape":[2,4],"data_offsets":[40,72]}"#)
            values += mask
        }
        let file = DataFixtures.safetensors(header: "{\(meta),\(entries.joined(separator: ","))}", dataBytes: 0)
        return file + values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
    }

    /// Architecture JSON of the one-layer model with fields given as raw JSON text.
    static func architecture(input: String = "[4]", classes: String = "2", nodeInputs: String = "[0]") -> String {
        #"{"classes":\#(classes),"input":\#(input),"name":"mlp","nodes":[{"config":{"bias":1,"in":4,"out":2},"inputs":\#(nodeInputs),"kind":"linear","name":"0"}]}"#
    }

    static var modelFileChecks: [MalformedCase] {
        func file(_ bytes: [UInt8]) -> (TemporaryFolder) throws -> Void { { try $0.write("m.safetensors", bytes) } }
        let load = "load \"m.safetensors\"\n"
        var nanWeight = [Float](repeating: 0.1, count: 8)
        nanWeight[5] = .nan
        func paddedConv(_ name: String, _ input: Int) -> String {
            #"{"config":{"bias":0,"in":1,"out":1,"kernel":1,"stride":1,"padding":1000000000},"inputs":[\#(input)],"kind":"conv2d","name":"\#(name)"}"#
        }
        return [
            MalformedCase("model file nan weight", status: dataError, mentions: ["m.safetensors", "'0.weight'", "NaN", "allow_nonfinite", "main.prn:1"],
                          script: load, setup: file(modelFile(weight: nanWeight))),
            MalformedCase("model file infinite bias", status: dataError, mentions: ["m.safetensors", "'0.bias'", "infinite"],
                          script: load, setup: file(modelFile(bias: [0, -.infinity]))),
            MalformedCase("model file mask of halves", status: dataError, mentions: ["m.safetensors", "'0.weight_mask'", "0 or 1", "0.5"],
                          script: load, setup: file(modelFile(mask: [1, 0, 1, 0.5, 1, 1, 1, 1]))),
            MalformedCase("model file nan mask", status: dataError, mentions: ["m.safetensors", "'0.weight_mask'", "0 or 1"],
                          script: "load \"m.safetensors\" allow_nonfinite=true\n", setup: file(modelFile(mask: [1, 0, 1, .nan, 1, 1, 1, 1]))),
            MalformedCase("model file unknown format version", status: dataError, mentions: ["m.safetensors", "prn-model-7", "prn-model-1"],
                          script: load, setup: file(modelFile(format: "prn-model-7"))),
            MalformedCase("model file classes 1e300", status: dataError, mentions: ["m.safetensors", "classes", "1e+300"],
                          script: load, setup: file(modelFile(architecture: architecture(classes: "1e300")))),
            MalformedCase("model file classes 2.5", status: dataError, mentions: ["m.safetensors", "classes", "2.5"],
                          script: load, setup: file(modelFile(architecture: architecture(classes: "2.5")))),
            MalformedCase("model file classes differ from the output", status: dataError, mentions: ["m.safetensors", "3 classes", "2"],
                          script: load, setup: file(modelFile(architecture: architecture(classes: "3")))),
            MalformedCase("model file negative input", status: dataError, mentions: ["m.safetensors", "input", "-4"],
                          script: load, setup: file(modelFile(architecture: architecture(input: "[-4]")))),
            MalformedCase("model file node input 1e300", status: dataError, mentions: ["m.safetensors", "inputs"],
                          script: load, setup: file(modelFile(architecture: architecture(nodeInputs: "[1e300]")))),
            MalformedCase("model file input of 2^80 values", status: dataError, mentions: ["m.safetensors", "input"],
                          script: load, setup: file(modelFile(architecture: #"{"classes":2,"input":[65536,65536,65536,65536,65536],"name":"m","nodes":[{"config":{},"inputs":[0],"kind":"flatten","name":"f"},{"config":{"bias":1,"in":4,"out":2},"inputs":[1],"kind":"linear","name":"0"}]}"#))),
            // Two convolutions padded by 10^9 make a [1, 4e9, 4e9] output: 1.6e19 values per sample.
            MalformedCase("model file padding blows up a shape", status: dataError, mentions: ["m.safetensors", "values per sample"],
                          script: load, setup: file(modelFile(architecture: #"{"classes":2,"input":[1,1,1],"name":"c","nodes":[\#(paddedConv("c1", 0)),\#(paddedConv("c2", 1)),{"config":{},"inputs":[2],"kind":"flatten","name":"f"},{"config":{"bias":1,"in":4,"out":2},"inputs":[3],"kind":"linear","name":"0"}]}"#))),
        ]
    }
}

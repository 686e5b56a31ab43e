import Engine
import Foundation
import ONNX
import Pruning

/// Tests over networks that a Python exporter script writes as NAME.onnx into a work directory
/// (with arguments: the directory, then NAME:SIZE for each network), imported and pruned the
/// same way by each of them.
protocol ExportedNetworkCases {
    static var networks: [(name: String, size: Int)] { get }
    static var exporter: String { get }
}

extension ExportedNetworkCases {
    func exported(_ python: String, in dir: URL) throws -> String {
        try PythonRunner.script(python, Self.exporter, in: dir, arguments: [dir.path] + Self.networks.map { "\($0.name):\($0.size)" })
    }

    func load(_ name: String, _ dir: URL) throws -> Model {
        try ONNXImport.load(from: dir.appendingPathComponent("\(name).onnx"))
    }

    /// Magnitude channel scores, `prune RATIO global`.
    func pruneChannels(_ model: Model, _ ratio: Double) throws -> PruningReport {
        let scores = try MagnitudeScorer().score(model, data: nil, options: ScoreOptions(granularity: .channels))
        return try Pruner.prune(model, scores: scores, request: PruneRequest(amount: .ratio(ratio)))
    }
}

import Foundation

/// A model's graph as plain data: what model files store beside the weights, so a pruned model
/// (whose widths no zoo recipe describes) reloads exactly.
public struct Architecture: Codable, Equatable, Sendable {
    public struct Node: Codable, Equatable, Sendable {
        public var name: String
        public var kind: String
        public var inputs: [Int]
        public var config: [String: Double]
    }
    public var name: String
    public var input: [Int]
    public var classes: Int
    public var nodes: [Node]
    /// The model's input preprocessing; absent in files written before prn recorded it.
    public var preprocessing: InputPreprocessing?

    public init(of model: Model) {
        name = model.architecture
        input = model.inputShape
        classes = model.classes
        nodes = model.nodes.dropFirst().map {
            Node(name: $0.name, kind: $0.layer?.kind ?? "?", inputs: $0.inputs, config: $0.layer?.config ?? [:])
        }
        preprocessing = model.preprocessing
    }

    public func json() -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        return (try? String(data: enc.encode(self), encoding: .utf8)) ?? "{}"
    }

    public static func parse(_ text: String) throws -> Architecture {
        do {
            return try JSONDecoder().decode(Architecture.self, from: Data(text.utf8))
        } catch let e as ShapeError {
            throw e
        } catch {
            throw ShapeError("architecture metadata is not valid: \(error)")
        }
    }

    /// Builds the graph with freshly allocated (zero) parameters, checking every shape.
    public func instantiate() throws -> Model {
        guard !input.isEmpty, input.allSatisfy({ $0 > 0 && $0 <= 1 << 16 }), classes > 0 else {
            throw ShapeError("architecture has an invalid input shape \(input) or class count \(classes)")
        }
        let m = Model(inputShape: input, classes: classes, architecture: name)
        if let channels = preprocessing?.statistics?.mean.count, channels != (input.count == 3 ? input[0] : 1) {
            throw ShapeError("the input preprocessing has \(channels) channels but the input shape \(input) has \(input.count == 3 ? input[0] : 1)")
        }
        m.preprocessing = preprocessing
        for (i, n) in nodes.enumerated() {
            guard n.inputs.allSatisfy({ $0 >= 0 && $0 <= i }) else {
                throw ShapeError("node \(n.name) reads a node that does not come before it")
            }
            guard m.node(named: n.name) == nil else { throw ShapeError("duplicate node name \(n.name)") }
            m.add(n.name, try LayerFactory.make(kind: n.kind, config: n.config), inputs: n.inputs)
        }
        // Evaluation reads `classes` logits per sample: the last node must produce exactly that.
        let output = try m.shapes().last ?? input
        guard output == [classes] else {
            throw ShapeError("the architecture declares \(classes) classes but its last node outputs \(output) values per sample")
        }
        return m
    }
}

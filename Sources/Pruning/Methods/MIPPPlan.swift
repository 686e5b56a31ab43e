import Engine

/// Which activations MIPP reads for every prunable group of the chosen granularity, and what
/// each group's nodes must predict.
struct MIPPPlan {
    /// Where a layer's target comes from.
    enum Target {
        /// The kept nodes of another swept layer (index into `layers`).
        case layer(Int)
        /// A node's whole output: a layer this sweep does not prune, or the logits.
        case node(Int)
    }

    struct Layer {
        var group: PruningGroup
        /// The node whose output the consumers read (before any flatten): the group's activations.
        var activation: Int
        /// One target per consumer, concatenated.
        var targets: [Target]
    }

    /// Swept layers in graph order; the sweep runs them backwards.
    let layers: [Layer]
    let recordedNodes: [Int]

    init(_ model: Model, granularity: Granularity) throws {
        let structure = try StructureAnalysis(model)
        let groups = try structure.requireGroups(granularity).sorted { $0.producer < $1.producer }
        let shapes = try model.shapes()
        func activation(of g: PruningGroup) throws -> Int {
            guard let consumer = g.consumers.first else {
                throw PruningError(.unsupportedModel, "mipp: no layer reads the \(g.granularity.rawValue) of \(g.name)")
            }
            var node = model.nodes[consumer.node].inputs[0]
            if model.nodes[node].layer is Flatten { node = model.nodes[node].inputs[0] }
            guard shapes[node].first == g.units else {
                throw PruningError(.unsupportedModel, "mipp: the activations of \(g.name) (node \(model.nodes[node].name), shape \(shapes[node])) do not hold its \(g.units) units one per channel")
            }
            return node
        }
        var layers = [Layer]()
        for g in groups {
            var targets = [Target]()
            for c in g.consumers {
                if let k = groups.firstIndex(where: { $0.producer == c.node }) {
                    targets.append(.layer(k))
                } else if let other = structure.groups.first(where: { $0.producer == c.node }) {
                    targets.append(.node(try activation(of: other)))
                } else {
                    targets.append(.node(c.node))
                }
            }
            layers.append(Layer(group: g, activation: try activation(of: g), targets: targets))
        }
        self.layers = layers
        var nodes = Set(layers.map(\.activation))
        for l in layers { for case .node(let n) in l.targets { nodes.insert(n) } }
        recordedNodes = nodes.sorted()
    }

    /// Layer k's problem: its nodes' activations and its targets with the current keep flags.
    func problem(_ k: Int, recorder: MIPPRecorder, kept: [[Bool]]) throws -> MIPPProblem {
        guard let (x, d) = recorder.matrix(layers[k].activation) else {
            throw PruningError(.unsupportedModel, "mipp: activations of \(layers[k].group.name) were not recorded")
        }
        let rows = x.count / max(d, 1)
        var parts = [(values: [Float], columns: [Int], width: Int)]()
        for t in layers[k].targets {
            switch t {
            case .layer(let j):
                guard let (y, m) = recorder.matrix(layers[j].activation) else { continue }
                parts.append((y, kept[j].indices.filter { kept[j][$0] }, m))
            case .node(let n):
                guard let (y, m) = recorder.matrix(n) else { continue }
                parts.append((y, Array(0..<m), m))
            }
        }
        let outputs = parts.reduce(0) { $0 + $1.columns.count }
        guard outputs > 0 else { throw PruningError(.unsupportedModel, "mipp: \(layers[k].group.name) has no target to predict") }
        var y = [Float](repeating: 0, count: rows * outputs)
        var offset = 0
        for part in parts {
            for r in 0..<rows {
                for (c, col) in part.columns.enumerated() { y[r * outputs + offset + c] = part.values[r * part.width + col] }
            }
            offset += part.columns.count
        }
        return MIPPProblem(x: x, y: y, rows: rows, inputs: d, outputs: outputs, rowsPerSample: recorder.rowsPerSample)
    }
}

import CKernels
import Dispatch

/// A model is a small graph: node 0 is the input, every other node applies a layer to the
/// outputs of earlier nodes (nodes are stored in topological order). Residual adds and the
/// flatten between convolutions and dense layers are explicit nodes, because structured pruning
/// follows them.
public final class Model {
    public struct Node {
        /// PyTorch-style module path ("features.3", "layer1.0.conv1"); parameters are
        /// named `<node name>.<local name>`.
        public var name: String
        public var layer: Layer?
        public var inputs: [Int]
    }

    public private(set) var nodes: [Node]
    /// Per-sample input shape, e.g. [1, 28, 28].
    public let inputShape: [Int]
    public var classes: Int
    /// Zoo name or "custom"; informational (architecture files describe every node).
    public var architecture: String
    public var observers: [ModelObserver] = []
    /// Called after each step of a forward with the nodes the step computed (one layer, or a
    /// fused chain: its head first) and its wall time in seconds; fusion is unchanged, unlike with
    /// an observer (`prn bench --model FILE --layers`).
    public var stepClock: ((_ nodes: [Int], _ seconds: Double) -> Void)?
    /// Threads and kernel choices for this model's forwards (and the backwards that follow them).
    public var configuration = EngineConfiguration.standard
    /// What the model expects done to raw inputs, and the dataset it was made for; nil when
    /// unknown (a model file from before prn recorded it). Not applied by `forward`: the data are
    /// normalised when loaded, and ONNX export writes it as the graph's first nodes.
    public var preprocessing: InputPreprocessing?

    private var outputs: [Tensor?] = []
    /// The output of an eval forward run in pieces (EvalPieces.swift).
    var piecedOutput: Tensor?
    private var grads: [Tensor?] = []
    private var gradBuffers: [Tensor?] = []
    /// ReLU nodes the last training forward fused into the layer before them, mapped to that
    /// layer's node: their backward is that layer's (TrainingFusion).
    private var fusedReLUs: [Int: Int] = [:]
    /// The eval-mode fusion chains and the evaluation pass they were made in. No parameter
    /// changes within a pass (`SparseInference.withWeightsFixed`), so the chains, with the batch
    /// norms folded into their convolutions' epilogues, are made on a pass's first forward only.
    private var fusionPlan: (pass: Int, chains: [Int: FusedChain])?

    public init(inputShape: [Int], classes: Int, architecture: String = "custom") {
        self.inputShape = inputShape
        self.classes = classes
        self.architecture = architecture
        nodes = [Node(name: "input", layer: nil, inputs: [])]
    }

    /// Adds a node and returns its index; `inputs` default to the previous node.
    @discardableResult
    public func add(_ name: String, _ layer: Layer, inputs: [Int]? = nil) -> Int {
        precondition(!nodes.contains { $0.name == name }, "duplicate node name \(name)")
        for p in layer.parameters { p.name = name + "." + p.name }
        nodes.append(Node(name: name, layer: layer, inputs: inputs ?? [nodes.count - 1]))
        fusionPlan = nil
        return nodes.count - 1
    }

    public var last: Int { nodes.count - 1 }

    public var parameters: [Parameter] { nodes.flatMap { $0.layer?.parameters ?? [] } }
    public var trainableParameters: [Parameter] { parameters.filter(\.trainable) }

    public func parameter(named name: String) -> Parameter? { parameters.first { $0.name == name } }
    public func node(named name: String) -> Int? { nodes.firstIndex { $0.name == name } }

    /// Indices of the nodes that read node `i`'s output.
    public func consumers(of i: Int) -> [Int] {
        nodes.indices.filter { nodes[$0].inputs.contains(i) }
    }

    /// `consumers(of:)` of every node at once.
    func consumerLists() -> [[Int]] {
        var consumers = Array(repeating: [Int](), count: nodes.count)
        for (i, n) in nodes.enumerated() { for s in n.inputs { consumers[s].append(i) } }
        return consumers
    }

    /// Per-sample output shape of every node; throws the first shape mismatch, naming the node.
    /// Every node's output is bounded, so layers can multiply the dimensions of their inputs
    /// without overflowing: a model file may describe, say, convolutions padded by 10^9.
    public func shapes() throws -> [[Int]] {
        try Self.checkSize(inputShape, "the input")
        var s: [[Int]] = [inputShape]
        for n in nodes.dropFirst() {
            guard let layer = n.layer else { throw ShapeError("node \(n.name) has no layer") }
            do { s.append(try layer.outputShape(n.inputs.map { s[$0] })) } catch let e as ShapeError {
                throw ShapeError("\(n.name) (\(layer.kind)): \(e.message)")
            }
            try Self.checkSize(s[s.count - 1], "node \(n.name) (\(layer.kind))")
        }
        return s
    }

    /// Values one sample may hold at any node (8 GB of floats).
    public static let maximumSampleValues = 1 << 31

    private static func checkSize(_ shape: [Int], _ what: String) throws {
        var values = 1
        for d in shape {
            guard d >= 0 else { throw ShapeError("\(what) has a negative dimension in \(shape)") }
            let (product, overflow) = values.multipliedReportingOverflow(by: d)
            values = overflow ? Int.max : product
        }
        guard values <= maximumSampleValues else {
            throw ShapeError("\(what) would hold \(shape) = \(values == Int.max ? "more than 2^63" : String(values)) values per sample, more than the \(maximumSampleValues) prn handles")
        }
    }

    /// Dense multiply-accumulates per sample.
    public func macs() throws -> Int {
        let s = try shapes()
        return nodes.indices.dropFirst().reduce(0) { acc, i in
            acc + (nodes[i].layer?.macs(nodes[i].inputs.map { s[$0] }) ?? 0)
        }
    }

    public var parameterCount: Int { trainableParameters.reduce(0) { $0 + $1.value.count } }

    /// Runs the graph on a batch [B, inputShape...] and returns the last node's output (owned by
    /// the model or its layer: copy it to keep it past the next call). Unobserved eval-mode
    /// forwards fuse conv -> batch norm -> ReLU, linear -> ReLU and add -> ReLU chains
    /// (InferenceFusion), and run a large batch in cache-sized pieces (`evalPiece`); unobserved
    /// training forwards fuse batch norm -> ReLU and add -> ReLU (TrainingFusion).
    public func forward(_ x: Tensor, mode: Mode) -> Tensor {
        if mode == .eval, observers.isEmpty, stepClock == nil, x.rank > 1, let piece = evalPiece(batch: x.shape[0]) {
            return forwardInPieces(x, piece: piece)
        }
        return forwardWhole(x, mode: mode)
    }

    /// `forward` on the whole batch at once.
    func forwardWhole(_ x: Tensor, mode: Mode) -> Tensor {
        if outputs.count != nodes.count { outputs = Array(repeating: nil, count: nodes.count) }
        outputs[0] = x
        // A training forward moves the batch norms' running statistics, which the chains fold in.
        if mode == .train { fusionPlan = nil }
        let fused = mode == .eval && observers.isEmpty ? inferenceChains() : [:]
        let trainingFused = mode == .train && observers.isEmpty ? TrainingFusion.reluAfter(self) : [:]
        let normJoins = mode == .train && observers.isEmpty ? TrainingFusion.normBeforeAdd(self) : [:]
        fusedReLUs = [:]
        var done = Array(repeating: false, count: nodes.count)
        for join in normJoins.values { done[join.norm] = true }
        for i in 1..<nodes.count where !done[i] {
            let n = nodes[i]
            // A join's norm runs with it, below: its output does not exist yet.
            let ins = normJoins[i] == nil ? n.inputs.map { outputs[$0]! } : []
            let y: Tensor
            let start = stepClock == nil ? 0 : DispatchTime.now().uptimeNanoseconds
            var covered: [Int] = []
            if let chain = fused[i] {
                y = chain.forward(ins, residual: chain.residual.map { outputs[$0]! }, configuration: configuration)
                covered = chain.covered
                for j in chain.covered { outputs[j] = y; done[j] = true }
            } else if let join = normJoins[i], let norm = nodes[join.norm].layer as? BatchNorm, let add = n.layer as? Add {
                let relu = trainingFused[i]
                y = norm.forward(outputs[nodes[join.norm].inputs[0]]!, residual: outputs[join.residual]!, relu: relu != nil)
                add.adopt(output: y, relu: relu != nil)
                outputs[join.norm] = y
                covered = [join.norm]
                if let relu {
                    outputs[relu] = y
                    done[relu] = true
                    fusedReLUs[relu] = i
                    covered.append(relu)
                }
            } else if let relu = trainingFused[i], let layer = n.layer as? ReLUFusable {
                y = layer.forward(ins, mode: mode, relu: true)
                outputs[relu] = y
                done[relu] = true
                fusedReLUs[relu] = i
                covered = [relu]
            } else {
                y = n.layer!.forward(ins, mode: mode, configuration: configuration)
            }
            if let clock = stepClock { clock([i] + covered, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
            outputs[i] = y
            for o in observers { o.didForward(model: self, node: i, inputs: ins, output: y, mode: mode) }
        }
        return outputs[nodes.count - 1]!
    }

    /// The eval-mode fusion chains, kept for the rest of the evaluation pass they were made in.
    private func inferenceChains() -> [Int: FusedChain] {
        let pass = SparseInference.currentPass
        if let plan = fusionPlan, plan.pass == pass { return plan.chains }
        let chains = InferenceFusion.chains(self)
        fusionPlan = pass.map { ($0, chains) }
        return chains
    }

    /// Back-propagates the gradient of the loss with respect to the last node's output,
    /// accumulating parameter gradients. Call after `forward(_, mode: .train)`.
    public func backward(_ gradOutput: Tensor) {
        let n = nodes.count
        if grads.count != n { grads = Array(repeating: nil, count: n); gradBuffers = grads }
        for i in 0..<n { grads[i] = nil }
        grads[n - 1] = gradOutput
        let needs = needsGrad()
        for i in stride(from: n - 1, through: 1, by: -1) {
            guard let g = grads[i], let layer = nodes[i].layer else { continue }
            if let fusedInto = fusedReLUs[i] {
                if needs[fusedInto] { accumulate(g, into: fusedInto) }
                grads[i] = nil
                continue
            }
            for o in observers { o.didBackward(model: self, node: i, gradOutput: g) }
            let ins = nodes[i].inputs
            if observers.isEmpty, ins.count == 1, needs[ins[0]], let existing = grads[ins[0]],
               let adder = layer as? InputGradientAdding {
                let (gradIn, added) = adder.backward(g, adding: existing)
                if let gradIn {
                    if added { grads[ins[0]] = gradIn } else { accumulate(gradIn, into: ins[0]) }
                }
                grads[i] = nil
                continue
            }
            let gi = layer.backward(g, needInputGrad: ins.map { needs[$0] })
            for (slot, src) in ins.enumerated() {
                guard needs[src], let gradIn = gi[slot] else { continue }
                accumulate(gradIn, into: src)
            }
            grads[i] = nil
        }
    }

    /// A node needs an input gradient when a trainable parameter lies at or before it.
    private func needsGrad() -> [Bool] {
        var needs = Array(repeating: false, count: nodes.count)
        for i in 1..<nodes.count {
            let own = nodes[i].layer?.parameters.contains { $0.trainable } ?? false
            needs[i] = own || nodes[i].inputs.contains { needs[$0] }
        }
        return needs
    }

    private func accumulate(_ g: Tensor, into node: Int) {
        guard let existing = grads[node] else { grads[node] = g; return }
        // A second contribution (fan-out): sum into a graph-owned buffer, never into a layer's,
        // in one pass (existing + g, written to the buffer, which may be `existing` itself).
        precondition(existing.count == g.count, "gradients into node \(nodes[node].name) differ in size")
        let acc: Tensor
        if let b = gradBuffers[node], existing === b {
            acc = b
        } else {
            acc = Tensor.reuse(&gradBuffers[node], shape: existing.shape)
        }
        let e = existing.data, a = acc.data, s = g.data
        Parallel.chunks(acc.count, minPerThread: 1 << 16) { r in
            prn_add_relu(e + r.lowerBound, s + r.lowerBound, a + r.lowerBound, r.count, 0)
        }
        grads[node] = acc
    }

    public func zeroGrad() { for p in parameters { p.zeroGrad() } }
    public func applyMasks() { for p in parameters { p.applyMask() } }
}

/// Watches activations and gradients batch by batch (scorers stream statistics through this
/// instead of storing a dataset's activations).
public protocol ModelObserver: AnyObject {
    func didForward(model: Model, node: Int, inputs: [Tensor], output: Tensor, mode: Mode)
    func didBackward(model: Model, node: Int, gradOutput: Tensor)
}

public extension ModelObserver {
    func didForward(model: Model, node: Int, inputs: [Tensor], output: Tensor, mode: Mode) {}
    func didBackward(model: Model, node: Int, gradOutput: Tensor) {}
}

import Engine
import Language

/// A `load` of a model defined in the script: the definitions visible at the load, the values
/// the script gave its parameters, and where the load is.
public struct DefinedModelCall: Sendable {
    public var definitions: [String: ModelDecl]
    public var name: String
    public var arguments: [String: (value: CheckedValue, range: SourceRange)]
    public var site: SourceRange
}

/// Builds a defined model into the same engine graph the zoo builds: every layer through the
/// engine's LayerFactory, so training, scoring, pruning (dependency groups included), saving
/// and ONNX export see no difference from a zoo model.
enum DefinedModels {
    static func build(_ call: DefinedModelCall, _ s: Session) throws -> Model {
        let request = ModelRequest(name: call.name, arguments: call.arguments, dataShape: s.data?.train.sampleShape,
                                   site: call.site, purpose: "while building '\(call.name)' for this load")
        let plan: ModelPlan
        switch ModelElaboration.build(request, definitions: call.definitions) {
        case .success(let built): plan = built
        case .failure(let problem): throw RuntimeFailure(problem)
        }
        if let data = s.data, plan.classes < data.classes {
            throw VerbError("model '\(plan.name)' outputs \(plan.classes) class scores but \(data.name) has \(data.classes) classes",
                            help: "make its last layer: dense \(data.classes)", code: .dataMismatch)
        }
        try MemoryBudget.checkBeforeBuilding("model \(plan.name)", weights: weights(plan))
        let model = Model(inputShape: plan.input, classes: plan.classes, architecture: plan.name)
        var rng = RandomStream(seed: s.seed, stream: "init")
        do {
            for node in plan.nodes {
                let layer = try LayerFactory.make(kind: node.layer.kind, config: node.layer.config)
                initialize(layer, &rng)
                model.add(node.name, layer, inputs: node.inputs)
            }
            // The plan's shapes were computed by the language's rules; the engine's must agree.
            let shapes = try model.shapes()
            for (index, node) in plan.nodes.enumerated() where shapes[index + 1] != node.layer.shape {
                throw VerbError("model '\(plan.name)': layer '\(node.name)' was planned as \(node.layer.shape) but the engine computes \(shapes[index + 1])")
            }
            try MemoryBudget.check(model: model, batch: 256)
        } catch let e as VerbError { throw e } catch {
            throw VerbError("cannot build model '\(plan.name)': \(error)", cause: error)
        }
        return model
    }

    /// Fresh weights as PyTorch initialises the same modules (normalisation layers start at 1 and 0).
    static func initialize(_ layer: Layer, _ rng: inout RandomStream) {
        switch layer {
        case let conv as Conv2d: conv.initialize(&rng, .pytorchDefault)
        case let conv as GeneralConv2d: conv.initialize(&rng, .pytorchDefault)
        case let linear as Linear: linear.initialize(&rng)
        case let norm as SigmoidBatchNorm: norm.initialize(&rng)
        default: break
        }
    }

    /// Weights the plan will allocate, counted before anything is allocated.
    static func weights(_ plan: ModelPlan) -> Double {
        plan.nodes.reduce(0) { total, node in
            let c = node.layer.config
            switch node.layer.kind {
            case "conv2d": return total + (c["in"] ?? 0) * (c["out"] ?? 0) * (c["kernel"] ?? 0) * (c["kernel"] ?? 0)
            case "general-conv2d":
                return total + (c["in"] ?? 0) * (c["out"] ?? 0) * (c["kernel_h"] ?? 0) * (c["kernel_w"] ?? 0) / max(1, c["groups"] ?? 1)
            case "linear": return total + (c["in"] ?? 0) * (c["out"] ?? 0)
            default: return total + 4 * (c["channels"] ?? 0)
            }
        }
    }
}

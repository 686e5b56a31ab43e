import Engine
import Foundation
import Language
import ONNX
import Pruning

/// `load MODEL`: a zoo model built for the session's data, or a model file saved by prn.
enum LoadVerb {
    static let model = RequiredArgument<String>.text("model", .oneOf([Vocabulary.choice(Vocabulary.models), .path]),
                                                     help: "zoo model name or model file path", noun: "model")
    static let data = VerbParameter<String?>.text("data", .oneOf([Vocabulary.choice(Vocabulary.datasets), .path]),
                                                  help: "load this dataset too (same as a 'data' command first)",
                                                  noun: "dataset", provides: ["data"])
    static let width = VerbParameter<Double>.number("width", min: Bound(0, inclusive: false), max: Bound(4), default: 1,
                                                    help: "channel/unit multiplier of zoo models")
    static let norm = VerbParameter<NormKind?>.optionalChoice(
        "norm", help: "normalisation layers (default: bn for VGG/ResNet, none for MLP/LeNet)", noun: "normalisation",
        describe: Vocabulary.normHelp)
    static let classes = VerbParameter<Int?>.integer("classes", 2...100_000, help: "output classes (default: the dataset's)")
    static let hidden = VerbParameter<[Int]?>(
        "hidden", .list(.integer(min: 1, max: 1 << 16)), default: nil, written: nil, help: "hidden widths of mlp, e.g. [512, 256]",
        decode: { value in
            guard case .list(let items) = value else { return nil }
            return items.compactMap { if case .number(let v) = $0 { return Int(v) } else { return nil } }
        })
    static let allowNonFinite = VerbParameter<Bool>.flag(
        "allow_nonfinite", default: false, help: "model files: accept NaN or infinite weights (to inspect a model that diverged)")

    static let signature = VerbSignature(
        "load", summary: "bring a model into the session (a zoo name, a .safetensors file saved by prn, or an .onnx model)",
        arguments: [model.argument],
        options: [data.spec, width.spec, norm.spec, classes.spec, hidden.spec, allowNonFinite.spec] + DataVerb.options,
        resultFields: [ResultField("params", "trainable parameters"), ResultField("flops", "multiply-adds per sample x2")],
        provides: ["model"], properties: [normProperty])

    /// The norm of the model a `load` of a zoo name builds: its `norm=`, else the model's default.
    static let normProperty = StateProperty(
        "norm", of: "model", argument: model.name,
        defaults: Dictionary(uniqueKeysWithValues: Zoo.names.map { ($0, Zoo.defaultNorm($0).rawValue) }), option: norm.name)

    static func run(_ inv: VerbInvocation, _ s: Session) throws -> Value {
        let name = try inv[Self.model]
        let model: Model
        var variant = ""
        if let call = inv.definedModel {
            if let zooOption = inv.givenOptions.sorted().first(where: { ModelLoad.zooOnlyOptions.contains($0) }) {
                throw VerbError("'\(zooOption)' is an option of zoo models; '\(name)' is defined in the script",
                                help: "set the definition's parameters instead", code: .unknownOption)
            }
            // A defined model, like a zoo model, is built for the data and takes on their preprocessing.
            if let dataName = inv[data] { try DataVerb.load(name: dataName, inv, s, for: nil) }
            model = try DefinedModels.build(call, s)
        } else if Zoo.names.contains(name) {
            // A zoo model is built for the data, and takes on their preprocessing.
            if let dataName = inv[data] { try DataVerb.load(name: dataName, inv, s, for: nil) }
            model = try buildZoo(name, inv, s)
            if let n = inv[norm], n != Zoo.defaultNorm(name) { variant = "norm=\(n.rawValue)" }
        } else {
            // A model file comes first: the data it is loaded with follow its recorded preprocessing.
            let allow = inv[allowNonFinite]
            (model, variant) = try loadFile(name, s, allowNonFinite: allow)
            if let dataName = inv[data] { try DataVerb.load(name: dataName, inv, s, for: model) }
            try checkFits(model, name, s, classes: model.architecture == "onnx")
            let nonFinite = ModelValueChecks.nonFiniteCount(model)
            if allow && nonFinite > 0 {
                s.say("warning: \(name) holds \(nonFinite) non-finite values (NaN or infinite), accepted by allow_nonfinite=true; its outputs will not be meaningful")
            }
            if s.data != nil { s.warnIfMismatched(model, name: name, again: true) }
        }
        // A zoo model, or a file from before prn recorded preprocessing: it is what the data are.
        if model.preprocessing == nil, let data = s.data { model.preprocessing = InputNormalizationOptions.of(data) }
        model.configuration = s.configuration
        // The whole model part is new: no scores, pruning report or variant of the previous model.
        s.modelState = ModelState(loaded: model, description: name, variant: variant)
        let params = model.parameterCount
        let flops = 2 * ((try? model.macs()) ?? 0)
        s.say("model \(name): \(params.formatted()) parameters, \(flops.formatted()) FLOPs per sample")
        s.logEvent(.load(.init(model: name, params: params, flops: flops, architecture: Architecture(of: model).json(),
                               variant: variant)))
        return .record(Record(["params": Double(params), "flops": Double(flops)]))
    }

    static func buildZoo(_ name: String, _ inv: VerbInvocation, _ s: Session) throws -> Model {
        guard let data = s.data else {
            throw VerbError("load \(name) needs to know the data it will see (input shape and classes)",
                            help: "write 'load \(name) data=mnist', or a 'data NAME' command before it")
        }
        var o = ZooOptions(inputShape: data.train.sampleShape, classes: inv[classes] ?? data.classes, seed: s.seed)
        o.width = inv[width]
        o.norm = inv[norm]
        if let widths = inv[hidden] { o.hidden = widths }
        if o.classes < data.classes {
            throw VerbError("classes=\(o.classes) is fewer than the \(data.classes) classes of \(data.name)")
        }
        // A huge width or hidden= would allocate gigabytes inside Zoo.build: bound it first.
        try MemoryBudget.checkBeforeBuilding("\(name) for \(data.name)", weights: Zoo.weightLowerBound(name, o))
        do {
            let model = try Zoo.build(name, o)
            try MemoryBudget.check(model: model, batch: 256)
            return model
        } catch let e as VerbError { throw e } catch {
            throw VerbError("cannot build \(name) for \(data.name): \(error)", cause: error)
        }
    }

    /// The model and its variant (see `ModelState.variant`; ONNX models have none).
    static func loadFile(_ path: String, _ s: Session, allowNonFinite: Bool) throws -> (Model, String) {
        let url = try s.paths.resolve(path, purpose: "load")
        if url.pathExtension.lowercased() == "onnx" {
            let model = try loadONNX(path, url, s)
            if !allowNonFinite, let p = model.parameters.first(where: { ModelValueChecks.firstNonFinite($0.value) != nil }),
               let bad = ModelValueChecks.firstNonFinite(p.value) {
                throw VerbError("cannot load \(path): tensor '\(p.name)' holds \(ModelValueChecks.describe(bad.value)) at index \(bad.index) (\(bad.count) non-finite of \(p.value.count))",
                                help: "load it with allow_nonfinite=true to inspect it anyway", code: .badONNX)
            }
            return (model, "")
        }
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw VerbError("model file '\(path)' does not exist",
                            help: "zoo models are: \(Zoo.names.joined(separator: ", "))", code: .inputNotFound)
        }
        do {
            let (model, metadata) = try ModelFile.load(from: url, allowNonFinite: allowNonFinite)
            return (model, metadata[ModelVariantKey.name] ?? "")
        } catch let e as VerbError { throw e } catch {
            throw VerbError("cannot load \(path): \(error)", cause: error)
        }
    }

    /// An ONNX inference graph (e.g. from torch.onnx.export).
    static func loadONNX(_ path: String, _ url: URL, _ s: Session) throws -> Model {
        do { return try ONNXImport.load(from: url) } catch {
            throw VerbError("cannot load \(path): \(error)", cause: error)
        }
    }

    /// A model file's input shape (and, for ONNX, its outputs) against the session's data.
    static func checkFits(_ model: Model, _ path: String, _ s: Session, classes: Bool) throws {
        guard let data = s.data else { return }
        if data.train.sampleShape != model.inputShape {
            throw VerbError("\(path) expects samples of shape \(model.inputShape) but \(data.name) has \(data.train.sampleShape)",
                            code: .dataMismatch)
        }
        if classes && model.classes < data.classes {
            throw VerbError("\(path) has \(model.classes) outputs but \(data.name) has \(data.classes) classes",
                            code: .dataMismatch)
        }
    }
}

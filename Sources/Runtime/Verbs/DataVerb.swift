import Engine
import Foundation
import Language

/// `data NAME`: chooses the dataset (a known name or a folder).
enum DataVerb {
    static let name = RequiredArgument<String>.text("name", .oneOf([Vocabulary.choice(Vocabulary.datasets), .path]),
                                                    help: "a dataset name, a dataset folder or a .npz file", noun: "dataset")
    static let val = VerbParameter<Double>.number("val", min: Bound(0), max: Bound(100_000_000), default: 0,
                                                  help: "validation split taken from train: a fraction below 1 or a sample count (0 = none)")
    static let stratify = VerbParameter<Bool>.flag("stratify", default: false,
                                                   help: "take the validation split class by class, in proportion")
    static let subset = VerbParameter<Int?>.integer("subset", atLeast: 1, help: "keep only the first N train and test samples")
    static let size = VerbParameter<Int?>.integer("size", 1...4096,
                                                  help: "image folders: resize the shorter side to N and crop the centre NxN (default: keep the size, which every image must share)")
    static let channels = VerbParameter<Int?>.integer("channels", 1...3,
                                                      help: "image folders: 1 (grayscale) or 3 (colour), converting every image (default: the first image's, which every image must share)")
    static let split = VerbParameter<Double?>.fraction("split", lowerOpen: true, upperOpen: true,
                                                       help: "image folders without train/ and test/: the fraction of images held out as the test split")
    /// Shared with `load`, which reads them through the same declarations.
    static let options: [OptionSpec] = [val.spec, stratify.spec, subset.spec, size.spec, channels.spec, split.spec]
        + InputNormalizationOptions.specs

    static let signature = VerbSignature(
        "data", summary: "choose the dataset",
        arguments: [name.argument],
        options: options,
        resultFields: [ResultField("train", "training samples, after the validation split is taken out"),
                       ResultField("val", "validation samples, 0 without val="), ResultField("test", "test samples"),
                       ResultField("classes", "number of classes")],
        provides: ["data"])

    static func run(_ inv: VerbInvocation, _ s: Session) throws -> Value {
        // Normalised as the command says, not after the session's model: a script that loops over
        // `data ...; load ...` must not depend on the model of the previous round. A model that
        // expects otherwise is warned about when it is used with these data (`Session.requireData`).
        let result = try load(name: try inv[Self.name], inv, s, for: nil)
        if let model = s.model, model.preprocessing == nil, let data = s.data {
            model.preprocessing = InputNormalizationOptions.of(data)
        }
        return result
    }

    /// Shared with `load ... data=NAME`; `model` is the model the data are for, whose recorded
    /// preprocessing they follow unless the script says otherwise.
    @discardableResult
    static func load(name: String, _ inv: VerbInvocation, _ s: Session, for model: Model?) throws -> Value {
        var options = DataOptions(seed: s.seed)
        let requested = try InputNormalizationOptions.requested(inv)
        options.normalization = InputNormalizationOptions.mode(requested: requested, model: model)
        options.subset = inv[subset]
        options.images = ImageFolderReader.Options(size: inv[size], channels: inv[channels], split: inv[split])
        let v = inv[val]
        if v > 0 {
            options.validation = v < 1 ? .fraction(v) : .count(Int(v))
        }
        options.stratify = inv[stratify]
        var target = name
        if !DataCatalog.knownNames.contains(name) {
            target = try s.paths.resolve(name, purpose: "data").path
        }
        var bundle: DataBundle
        do { bundle = try DataCatalog.load(target, options) } catch let error as DataError where requested == nil && options.normalization != .perChannel && error.kind == .badShape {
            // The model's statistics have another channel count: the data cannot be for this model,
            // which the caller reports by shape; load them the old way meanwhile.
            options.normalization = .perChannel
            do { bundle = try DataCatalog.load(target, options) } catch { throw VerbError("\(error)", cause: error) }
        } catch {
            if case .fixed(let stats) = requested, let e = error as? DataError, e.kind == .badShape {
                throw VerbError("mean= and std= give \(stats.mean.count) values but \(name) has a different number of input channels (\(error))",
                                cause: error, help: "give one value per channel")
            }
            throw VerbError("\(error)", cause: error)
        }
        s.dataState = DataState(bundle: bundle, description: name)
        s.say("data \(bundle.name): \(bundle.train.count) train, \(bundle.val.map { "\($0.count) val, " } ?? "")\(bundle.test.count) test, \(bundle.classes) classes, samples \(bundle.train.sampleShape), normalised with \(InputPreprocessing.describe(bundle.statistics))")
        s.logEvent(.data(.init(name: name, identity: bundle.identity, train: bundle.train.count,
                               val: bundle.val?.count ?? 0, test: bundle.test.count, classes: bundle.classes)))
        return .record(Record(["train": Double(bundle.train.count), "val": Double(bundle.val?.count ?? 0),
                               "test": Double(bundle.test.count), "classes": Double(bundle.classes)]))
    }
}

import Engine
import Foundation
import Language

/// `normalize=`, `mean=` and `std=` of `data` and `load`: how the data's inputs are normalised,
/// and the warning when a model meets data prepared otherwise than it expects.
enum InputNormalizationOptions {
    enum Mode: String, CaseIterable, Sendable {
        case dataset, none

        var help: String {
            switch self {
            case .dataset: return "per-channel mean and standard deviation of the training split"
            case .none: return "raw inputs: pixels in [0, 1], features as read"
            }
        }
    }

    static let normalize = VerbParameter<Mode?>.optionalChoice(
        "normalize", help: "how inputs are normalised (default: with load of a model file, as the model records; else dataset; give mean= and std= for fixed values)",
        noun: "input normalisation", describe: \.help)
    static let mean = numbers("mean", min: nil, help: "per-channel means subtracted from the inputs, e.g. [0.5] or [0.485, 0.456, 0.406] (with std=)")
    static let std = numbers("std", min: Bound(0, inclusive: false), help: "per-channel standard deviations the inputs are divided by (with mean=)")
    static let specs: [OptionSpec] = [normalize.spec, mean.spec, std.spec]

    static func numbers(_ name: String, min: Bound?, help: String) -> VerbParameter<[Float]?> {
        VerbParameter<[Float]?>(
            name, .list(.number(min: min, max: nil)), default: nil, written: nil, help: help,
            decode: { value in
                guard case .list(let items) = value else { return nil }
                return items.compactMap { if case .number(let v) = $0 { return Float(v) } else { return nil } }
            })
    }

    /// What the script asked for; nil when it left all three options out.
    static func requested(_ inv: VerbInvocation) throws -> NormalizationMode? {
        let m = inv[mean], s = inv[std]
        switch (inv[normalize], m, s) {
        case (nil, nil, nil): return nil
        case (Mode.dataset?, nil, nil): return .perChannel
        case (Mode.none?, nil, nil): return NormalizationMode.none
        case (nil, let m?, let s?):
            guard !m.isEmpty, m.count == s.count else {
                throw VerbError("mean= has \(m.count) values but std= has \(s.count)",
                                help: "give one mean and one standard deviation per input channel, e.g. mean=[0.5] std=[0.5]")
            }
            guard m.allSatisfy(\.isFinite), s.allSatisfy({ $0.isFinite && $0 > 0 }) else {
                throw VerbError("mean= and std= must be finite numbers, std= above 0", help: "e.g. mean=[0.5] std=[0.5]")
            }
            return .fixed(ChannelStatistics(mean: m, std: s))
        case (nil, _, _):
            throw VerbError("\(m == nil ? "std=" : "mean=") is given without \(m == nil ? "mean=" : "std=")",
                            help: "give both, e.g. mean=[0.5] std=[0.5], or normalize=dataset or normalize=none")
        case (let mode?, _, _):
            throw VerbError("normalize=\(mode.rawValue) and mean=/std= both say how to normalise the inputs",
                            help: "give normalize= alone, or mean= and std= alone")
        }
    }

    /// The mode data are loaded with: the request, else what the model they are loaded for
    /// (`load FILE data=NAME`) records, else the dataset's own statistics (prn's behaviour before
    /// models recorded their preprocessing).
    static func mode(requested: NormalizationMode?, model: Model?) -> NormalizationMode {
        requested ?? model?.preprocessing?.normalization ?? .perChannel
    }

    /// Lines warning that `model` meets `data` prepared otherwise than it records (nothing when it
    /// records nothing). Each names both sides.
    static func mismatches(model: Model, name: String, data: DataBundle) -> [String] {
        guard let p = model.preprocessing else { return [] }
        var lines = [String]()
        if !p.matches(data.statistics) {
            lines.append("warning: model \(name) expects inputs normalised with \(InputPreprocessing.describe(p.statistics))"
                + "\(p.dataset.map { " (\($0))" } ?? ""), but data \(data.name) are normalised with \(InputPreprocessing.describe(data.statistics)); "
                + "its outputs will be off unless that is intended (give the data \(option(p.statistics)) to match)")
        }
        if let trained = p.dataset, trained != data.name {
            lines.append("warning: model \(name) was made for data \(trained) but is used with data \(data.name)")
        }
        return lines
    }

    /// The options that normalise data as `stats` say: "normalize=none" or "mean=[...] std=[...]".
    static func option(_ stats: ChannelStatistics?) -> String {
        guard let s = stats else { return "normalize=none" }
        let list = { (v: [Float]) in "[" + v.map { "\($0)" }.joined(separator: ", ") + "]" }
        return "mean=\(list(s.mean)) std=\(list(s.std))"
    }

    /// The preprocessing a model takes on from data it is built or trained for.
    static func of(_ data: DataBundle) -> InputPreprocessing {
        InputPreprocessing(statistics: data.statistics, dataset: data.name)
    }
}

/// One line of a run log: what happened, and the session's seed when it happened. Every line a
/// command writes carries the seed; the closing lines written when a forced stop ends the process
/// carry none. RunLogCodec writes and reads these; nothing else touches a log's JSON.
public struct RunLogRecord: Equatable, Sendable {
    public var event: RunLogEvent
    public var seed: UInt64?

    public init(_ event: RunLogEvent, seed: UInt64?) {
        self.event = event
        self.seed = seed
    }
}

/// The events of a run log, one case per kind of line, each with the fields prn writes for it.
/// A field that is optional here is one prn leaves out in some runs (a top-5 accuracy only for
/// models with more than five classes) or one older logs lack (`variant`, `options`).
public enum RunLogEvent: Equatable, Sendable {
    case manifest(Manifest)
    case data(DataChosen)
    case load(ModelLoaded)
    case epoch(Epoch)
    case train(Training)
    case finetune(Training)
    case eval(Evaluation)
    case score(Scoring)
    case prune(Pruning)
    case save(FileWritten)
    case export(FileWritten)
    case rewind(Rewound)
    case interrupted(Interruption)
    case end(End)

    /// The `event` field of the line.
    public var name: String {
        switch self {
        case .manifest: return "manifest"
        case .data: return "data"
        case .load: return "load"
        case .epoch: return "epoch"
        case .train: return "train"
        case .finetune: return "finetune"
        case .eval: return "eval"
        case .score: return "score"
        case .prune: return "prune"
        case .save: return "save"
        case .export: return "export"
        case .rewind: return "rewind"
        case .interrupted: return "interrupted"
        case .end: return "end"
        }
    }

    /// The first line of every log: which prn ran which script where.
    public struct Manifest: Codable, Equatable, Sendable {
        public var prnVersion: String
        public var script: String
        /// FNV-1a hash of the script's text, hexadecimal.
        public var scriptHash: String
        public var machine: String
        public var cores: Int
        public var threads: Int
        public var blas: String
        public var started: String
        /// The `--set` values the run was given, as written (`prn sweep` tells its points apart by
        /// them); absent when none were given.
        public var set: [String: String]?

        enum CodingKeys: String, CodingKey {
            case prnVersion = "prn_version", script, scriptHash = "script_fnv1a", machine, cores, threads, blas, started, set
        }
    }

    /// `data NAME`: the name as written, the data's identity (hash of its files) and its size.
    public struct DataChosen: Codable, Equatable, Sendable {
        public var name: String
        public var identity: String
        public var train: Int
        /// Training examples held out for validation (`val=N`); older logs lack it.
        public var val: Int?
        public var test: Int
        public var classes: Int
    }

    /// `load MODEL`: the name as written, its size and its architecture (JSON, with the zoo name).
    public struct ModelLoaded: Codable, Equatable, Sendable {
        public var model: String
        public var params: Int
        public var flops: Int
        public var architecture: String
        /// See `ModelState.variant`; logs of prn before variants lack it.
        public var variant: String?
    }

    /// One epoch of `train` or `finetune` (`verb` says which); a partial one when interrupted.
    public struct Epoch: Codable, Equatable, Sendable {
        public var verb: String
        public var epoch: Int
        public var loss: Double
        public var accuracy: Double
        public var penalty: Double
        public var lr: Double
        public var seconds: Double
        public var partial: Bool?
        public var batches: Int?
        public var batchesTotal: Int?

        enum CodingKeys: String, CodingKey {
            case verb, epoch, loss, accuracy, penalty, lr, seconds, partial, batches, batchesTotal = "batches_total"
        }
    }

    /// The end of `train` or `finetune`: finished, or stopped by a signal or a failed log.
    public enum Training: Equatable, Sendable {
        case completed(TrainingCompleted)
        case stopped(TrainingStopped)

        public var epochs: Int {
            switch self {
            case .completed(let t): return t.epochs
            case .stopped(let t): return t.epochs
            }
        }
    }

    public struct TrainingCompleted: Codable, Equatable, Sendable {
        public var epochs: Int
        public var loss: Double
        public var accuracy: Double
        public var seconds: Double
        public var samplesPerSecond: Double
        /// The model's variant after training (a penalty adds to it); older logs lack it.
        public var variant: String?
        /// The training options used, the recipe's included; older logs lack them.
        public var options: [String: OptionValue]?

        enum CodingKeys: String, CodingKey {
            case epochs, loss, accuracy, seconds, samplesPerSecond = "samples_per_s", variant, options
        }
    }

    /// Training stopped early: full epochs done and batches of the last (partial) one.
    public struct TrainingStopped: Codable, Equatable, Sendable {
        /// Always true: the field that tells this form from a completed one.
        public var interrupted: Bool
        public var epochs: Int
        public var batches: Int

        enum CodingKeys: String, CodingKey { case interrupted, epochs, batches }
    }

    /// A logged option's value.
    public enum OptionValue: Codable, Equatable, Sendable {
        case number(Double)
        case text(String)
        case flag(Bool)

        public init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let b = try? c.decode(Bool.self) { self = .flag(b) }
            else if let n = try? c.decode(Double.self) { self = .number(n) }
            else if let t = try? c.decode(String.self) { self = .text(t) }
            else {
                throw DecodingError.typeMismatch(OptionValue.self, .init(codingPath: decoder.codingPath,
                                                                         debugDescription: "expected a number, a word or true/false"))
            }
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .number(let n): try c.encode(n)
            case .text(let t): try c.encode(t)
            case .flag(let b): try c.encode(b)
            }
        }
    }

    /// `eval`: accuracy and size of the model on one split.
    public struct Evaluation: Codable, Equatable, Sendable {
        public var split: String
        public var accuracy: Double
        public var top5: Double?
        public var loss: Double
        public var params: Double
        public var nonzero: Double
        public var sparsity: Double
        public var flops: Double
        public var flopsEffective: Double
        public var latencyMs: Double
        public var samplesPerSecond: Double

        enum CodingKeys: String, CodingKey {
            case split, accuracy, top5, loss, params, nonzero, sparsity, flops, flopsEffective = "flops_effective",
                 latencyMs = "latency_ms", samplesPerSecond = "samples_per_s"
        }
    }

    /// `score`: what was scored and a histogram of the scores (the scores themselves are far too
    /// large for a log); no histogram when no score was finite.
    public struct Scoring: Codable, Equatable, Sendable {
        public var method: String
        public var granularity: String
        public var units: Int
        public var seconds: Double
        public var histogram: Histogram?
    }

    /// Counts of all layers' scores pooled, on a linear or a log10 scale (zeros counted apart).
    public struct Histogram: Codable, Equatable, Sendable {
        /// "linear" or "log".
        public var scale: String
        public var lo: Double
        public var hi: Double
        public var zeros: Int
        public var count: Int
        public var counts: [Int]
    }

    /// `prune`: requested against realized sparsity, the size after, and every layer's widths.
    public struct Pruning: Codable, Equatable, Sendable {
        public var method: String
        public var granularity: String
        public var scope: String
        public var requested: Double
        public var sparsity: Double
        public var paramSparsity: Double
        public var params: Double
        public var nonzero: Double
        public var flops: Double
        public var flopsEffective: Double
        /// Latency before / after; 0 when not measured.
        public var speedup: Double
        public var layers: [Layer]
        public var heldWhole: [String]?
        public var heldAtMinKeep: [String]?
        public var cutToMinKeep: [String]?
        /// The score normalisation before allocation (`normalize=`); older logs lack it.
        public var normalize: String?
        /// Layers that kept fewer weights per kept unit than `min_inputs`.
        public var starved: [String]?

        enum CodingKeys: String, CodingKey {
            case method, granularity, scope, requested, sparsity, paramSparsity = "param_sparsity", params, nonzero, flops,
                 flopsEffective = "flops_effective", speedup, layers, heldWhole = "held_whole",
                 heldAtMinKeep = "held_at_min_keep", cutToMinKeep = "cut_to_min_keep", normalize, starved
        }
    }

    /// Widths before and after, and surviving weights, of one layer with weights.
    public struct Layer: Codable, Equatable, Sendable {
        public var name: String
        public var kind: String
        public var widthBefore: Int
        public var width: Int
        public var weightsBefore: Int
        public var weights: Int
        public var nonzeroWeights: Int
        /// Surviving weights per kept output unit (a starved layer shows below 1); older logs lack it.
        public var inputsPerUnit: Double?

        enum CodingKeys: String, CodingKey {
            case name, kind, widthBefore = "width_before", width, weightsBefore = "weights_before", weights,
                 nonzeroWeights = "nonzero_weights", inputsPerUnit = "inputs_per_unit"
        }
    }

    /// `save` and `export`: the file written.
    public struct FileWritten: Codable, Equatable, Sendable {
        public var path: String
    }

    /// `rewind NAME`: the checkpoint whose weights the model took, keeping its masks.
    public struct Rewound: Codable, Equatable, Sendable {
        public var checkpoint: String
    }

    /// A forced stop: the signal and the command it stopped.
    public struct Interruption: Codable, Equatable, Sendable {
        public var signal: String
        public var during: String
    }

    /// The last line: how the run ended (completed, failed, rejected, cancelled).
    public struct End: Codable, Equatable, Sendable {
        public var status: String
    }
}

import Engine
import Foundation
import Language
import Pruning

/// Everything a script or REPL session has built so far: the seed, the data, the model, its
/// scores and checkpoints. Verbs read and change it; the interpreter never sees the engine.
public final class Session {
    public var seed: UInt64 = 0
    public var data: DataBundle?
    /// How the data was asked for (for `show data`, run logs and `:save`).
    public var dataDescription = ""
    public var model: Model?
    public var modelDescription = ""
    /// How the model differs from its zoo default in ways its architecture name does not say:
    /// a requested norm and the training penalties applied ("norm=sigmoid penalty=receding").
    /// Kept in saved model files and run logs so reports keep such models apart.
    public var modelVariant = ""
    /// Per-verb command counters: separate random streams for the second `train` of a session.
    public var streamCounters: [String: Int] = [:]
    public var history: [String] = []
    public var paths: PathPolicy
    public var log: RunLog?
    /// Set once a run-log write failed: the run stops (exit 74) rather than go on without its
    /// record. `pendingLogFailure` is the error the current command fails with.
    public private(set) var logFailed = false
    private var pendingLogFailure: VerbError?
    public var verbosity = Verbosity.normal
    /// `verbosity == .quiet`, for callers that only know quiet and not quiet.
    public var quiet: Bool {
        get { verbosity == .quiet }
        set { verbosity = newValue ? .quiet : .normal }
    }
    /// The recipe being run (the script's path as the user gave it); nil in the REPL.
    public var scriptName: String?
    public let cancellation: CancellationFlag
    /// Human output (results, tables).
    public var output: (String) -> Void
    /// Progress lines for long commands (a terminal bar, or nothing).
    public var progress: ProgressDisplay?
    /// Scores of the last `score`, with the options that made them (iterative pruning rescores).
    public var scores: ScoreSet?
    var scoreRequest: ScoreVerb.Request?
    /// The model as measured when it was loaded, so reports compare against the dense original.
    public var denseMeasurement: ModelMeasurement?
    public var lastPruning: PruningReport?
    var checkpoints: [String: CheckpointVerb.Snapshot] = [:]
    /// Every event of the run log, also kept when there is no log file, so `report` can use them.
    public private(set) var events: [[String: Any]] = []

    public init(paths: PathPolicy, cancellation: CancellationFlag = CancellationFlag(),
                output: @escaping (String) -> Void = { print($0) }) {
        self.paths = paths
        self.cancellation = cancellation
        self.output = output
    }

    /// Adds one "key=value" to `modelVariant` (once).
    func addVariant(_ word: String) {
        let words = modelVariant.split(separator: " ").map(String.init)
        if !words.contains(word) { modelVariant = (words + [word]).joined(separator: " ") }
    }

    /// A command's summary line or warning: printed unless quiet.
    public func say(_ text: String) { if verbosity >= .normal { output(text) } }

    /// Detail a command can show (per-layer tables, every step of a schedule): verbose only.
    public func detail(_ text: String) { if verbosity >= .verbose { output(text) } }

    /// A fresh stream name for the n-th use of a verb in this session.
    public func nextStream(_ verb: String) -> String {
        let n = streamCounters[verb, default: 0]
        streamCounters[verb] = n + 1
        return "\(verb).\(n)"
    }

    public func requireModel(_ verb: String) throws -> Model {
        guard let m = model else {
            throw VerbError("\(verb) needs a model", help: "load one first, e.g. 'load lenet300 data=mnist'")
        }
        return m
    }

    public func requireData(_ verb: String) throws -> DataBundle {
        guard let d = data else {
            throw VerbError("\(verb) needs data", help: "choose a dataset first, e.g. 'data mnist' or 'load lenet5 data=mnist'")
        }
        return d
    }

    public func logEvent(_ verb: String, _ fields: [String: Any]) {
        let event = ReportEvents.enrich(["event": verb].merging(fields) { a, _ in a }, session: self)
        events.append(event)
        guard let log else { return }
        do { try log.append(event) } catch let error as FileWriteError {
            logFailed = true
            if pendingLogFailure == nil {
                pendingLogFailure = VerbError("could not write the run log: \(error)",
                                              help: "free space or write the log elsewhere (--log FILE); the log on disk keeps every event before this one")
            }
            // Stops a long command (training) at its next batch instead of running on unrecorded.
            cancellation.cancel()
        } catch {
            // An event that cannot be encoded is lost alone; the log stays writable.
            output("warning: could not write an event to the run log \(log.url.path): \(error)")
        }
    }

    /// The run-log failure not yet reported, cleared by taking it.
    func takeLogFailure() -> VerbError? {
        defer { pendingLogFailure = nil }
        return pendingLogFailure
    }
}

/// Draws progress of long commands; the CLI supplies a terminal bar (TTY only).
public protocol ProgressDisplay: AnyObject {
    func update(_ line: String)
    func finish()
}

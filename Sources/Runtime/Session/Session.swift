import Engine
import Foundation
import Language
import Pruning

/// Everything a script or REPL session has built so far, in named parts that verbs replace as
/// wholes: the model and what travels with it (`modelState`), the data (`dataState`), the
/// checkpoints of the model part, and the run log (`runLog`); besides them, the session's
/// settings (seed, paths, verbosity, output). Verbs read and change it; the interpreter never
/// sees the engine.
public final class Session {
    public var seed: UInt64 = 0
    /// The model, its description, variant, dense measurement, last pruning and scores.
    public var modelState: ModelState?
    public var dataState: DataState?
    /// Copies of the model part under the names given to `checkpoint`.
    var checkpoints: [String: ModelState] = [:]
    public var runLog = RunLogState()
    /// Per-verb command counters: separate random streams for the second `train` of a session.
    public var streamCounters: [String: Int] = [:]
    public var history: [String] = []
    public var paths: PathPolicy
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
    /// How the engine computes (threads, sparse kernels, direct convolution) for every model this
    /// session loads or restores: the command line's settings, or a test's.
    public var configuration = EngineConfiguration.standard

    /// The loaded model, if any (a view of `modelState`).
    public var model: Model? { modelState?.model }
    /// The chosen data, if any (a view of `dataState`).
    public var data: DataBundle? { dataState?.bundle }

    public init(paths: PathPolicy, cancellation: CancellationFlag = CancellationFlag(),
                output: @escaping (String) -> Void = { print($0) }) {
        self.paths = paths
        self.cancellation = cancellation
        self.output = output
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
        try requireModelState(verb).model
    }

    public func requireModelState(_ verb: String) throws -> ModelState {
        guard let m = modelState else {
            throw VerbError("\(verb) needs a model", help: "load one first, e.g. 'load lenet300 data=mnist'")
        }
        return m
    }

    public func requireData(_ verb: String) throws -> DataBundle {
        guard let d = data else {
            throw VerbError("\(verb) needs data", help: "choose a dataset first, e.g. 'data mnist' or 'load lenet5 data=mnist'")
        }
        if let state = modelState {
            // A model of another input shape would trap inside its first layer.
            guard state.model.inputShape == d.train.sampleShape else {
                throw VerbError("\(verb): model \(state.description) takes samples of shape \(state.model.inputShape) but \(d.name) has \(d.train.sampleShape)",
                                help: "load a model for these data, or choose data of that shape", code: .dataMismatch)
            }
            warnIfMismatched(state.model, name: state.description)
        }
        return d
    }

    /// Warns when `model` expects its inputs prepared otherwise than the session's data are, or
    /// was made for another dataset (`InputNormalizationOptions.mismatches`), once per pair.
    /// `again` says it even for the same pair (a `load`, whose new model may reuse an address).
    func warnIfMismatched(_ model: Model, name: String, again: Bool = false) {
        guard let d = data else { return }
        guard again || dataState?.checkedModel != ObjectIdentifier(model) else { return }
        dataState?.checkedModel = ObjectIdentifier(model)
        for line in InputNormalizationOptions.mismatches(model: model, name: name, data: d) { say(line) }
    }

    /// Records one event with the session's seed, and writes it to the log file if there is one.
    public func logEvent(_ event: RunLogEvent) {
        let record = RunLogRecord(event, seed: seed)
        runLog.events.append(record)
        guard let log = runLog.file else { return }
        do { try log.append(record) } catch let error as FileWriteError {
            runLog.failed = true
            if runLog.pendingFailure == nil {
                runLog.pendingFailure = VerbError("could not write the run log: \(error)",
                                                  help: "free space or write the log elsewhere (--log FILE); the log on disk keeps every event before this one")
            }
            // Stops a long command (training) at its next batch instead of running on unrecorded.
            cancellation.cancel()
        } catch {
            // An event that cannot be encoded (a NaN loss) is lost alone; the log stays writable.
            output("warning: could not write an event to the run log \(log.url.path): \(error)")
        }
    }

    /// The run-log failure not yet reported, cleared by taking it.
    func takeLogFailure() -> VerbError? {
        defer { runLog.pendingFailure = nil }
        return runLog.pendingFailure
    }
}

/// Draws progress of long commands; the CLI supplies a terminal bar (TTY only).
public protocol ProgressDisplay: AnyObject {
    func update(_ line: String)
    func finish()
}

/// The run log part of a session: the log file (when there is one), every event written this
/// session (kept without a file too, so `report` can use them), and whether a write failed.
public struct RunLogState {
    public var file: RunLog?
    public internal(set) var events: [RunLogRecord] = []
    /// Set once a write failed: the run stops (exit 74) rather than go on without its record.
    public internal(set) var failed = false
    /// The error the current command fails with, until a command takes it.
    var pendingFailure: VerbError?

    public init(file: RunLog? = nil) {
        self.file = file
    }
}

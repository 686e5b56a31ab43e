import Engine

/// The dataset and how it was asked for (for `show data`, run logs and saved models).
public struct DataState {
    public var bundle: DataBundle
    public var description: String
    /// The model last checked against these data (`Session.warnIfMismatched`), so a mismatch is
    /// said once per model and data, not at every command; new data start unchecked.
    var checkedModel: ObjectIdentifier?

    public init(bundle: DataBundle, description: String) {
        self.bundle = bundle
        self.description = description
    }
}

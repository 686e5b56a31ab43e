import Engine

/// The dataset and how it was asked for (for `show data`, run logs and saved models).
public struct DataState {
    public var bundle: DataBundle
    public var description: String

    public init(bundle: DataBundle, description: String) {
        self.bundle = bundle
        self.description = description
    }
}

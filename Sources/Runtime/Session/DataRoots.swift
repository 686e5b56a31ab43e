import Engine
import Foundation

/// The dataset folders prn reads: every `PRN_DATA` entry, `./data` and the system dataset
/// folder, the list `DataLocator` searches. They are read-only to prn: a recipe that saved a
/// model or wrote a report there could overwrite the data other runs train on, so every writer
/// checks its real path (symlinks resolved, `..` removed) against them.
public struct DataRoots: Sendable {
    public struct Root: Sendable {
        /// Where the root comes from, as error messages name it ("PRN_DATA", "./data", "system").
        public let label: String
        /// The real path of the folder.
        public let url: URL
    }

    public let roots: [Root]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment,
                workingDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) {
        roots = DataLocator(environment: environment, workingDirectory: workingDirectory).roots
            .map { Root(label: $0.label, url: RealPath.of($0.url)) }
    }

    public init(_ roots: [Root]) {
        self.roots = roots
    }

    /// Refuses a write to `real` (a real path) under a data root; `path` is how the user wrote it.
    public func checkWritable(_ real: URL, path: String, purpose: String) throws {
        guard let root = roots.first(where: { RealPath.contains($0.url, real) }) else { return }
        throw VerbError("\(purpose): '\(path)' is inside the data folder \(root.url.path) (\(root.label)); prn never writes into data folders",
                        help: "write it elsewhere, e.g. beside the script or in a results folder")
    }

    /// The same check for a path given on the command line (relative to the working directory).
    public func checkWritable(commandLine path: String, option: String) throws {
        let url = URL(fileURLWithPath: NSString(string: path).expandingTildeInPath)
        try checkWritable(RealPath.of(url), path: path, purpose: option)
    }
}

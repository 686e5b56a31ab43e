import Foundation

/// Where a script may read and write files. Recipes are shared between people, so a script
/// touches files only under its own folder, the working directory and the data roots, unless
/// the command line allows more (`--allow DIR`). The data roots are for reading only.
public struct PathPolicy: Sendable {
    public private(set) var roots: [URL]
    public let base: URL
    /// Folders no writer may write into, whatever `roots` allows.
    public let dataRoots: DataRoots

    /// `base` resolves relative paths (the script's folder, or the working directory in the REPL).
    public init(base: URL, roots: [URL], dataRoots: DataRoots = DataRoots([])) {
        self.base = base.standardizedFileURL
        self.roots = roots.map { $0.standardizedFileURL.resolvingSymlinksInPath() }
        self.dataRoots = dataRoots
    }

    public static func standard(scriptFolder: URL?, extra: [URL] = [],
                                environment: [String: String] = ProcessInfo.processInfo.environment) -> PathPolicy {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        var roots = [cwd]
        if let s = scriptFolder { roots.append(s) }
        if let data = environment["PRN_DATA"] {
            roots += data.split(separator: ":").map { URL(fileURLWithPath: String($0)) }
        }
        roots.append(URL(fileURLWithPath: "/usr/share/datasets"))
        return PathPolicy(base: cwd, roots: roots + extra, dataRoots: DataRoots(environment: environment, workingDirectory: cwd))
    }

    /// Resolves `path` (relative to `base`) and refuses anything outside the roots. The result
    /// is the real path (see `RealPath`), so callers use exactly the file that was checked.
    public func resolve(_ path: String, purpose: String) throws -> URL {
        guard !path.isEmpty else { throw VerbError("\(purpose): the path is empty") }
        let real = RealPath.of(path.hasPrefix("/") ? URL(fileURLWithPath: path) : base.appendingPathComponent(path))
        guard roots.contains(where: { RealPath.contains($0, real) }) else {
            throw VerbError("\(purpose): '\(path)' is outside the folders this script may use",
                            help: "allowed: \(roots.map(\.path).joined(separator: ", ")); run with --allow DIR to permit another folder")
        }
        return real
    }

    /// `resolve` for a file about to be written: also refuses the data roots.
    public func resolveForWriting(_ path: String, purpose: String) throws -> URL {
        let real = try resolve(path, purpose: purpose)
        try dataRoots.checkWritable(real, path: path, purpose: purpose)
        return real
    }
}

import Foundation

/// Where a script may read and write files. Recipes are shared between people, so a script
/// touches files only under its own folder, the working directory and the data roots, unless
/// the command line allows more (`--allow DIR`).
public struct PathPolicy: Sendable {
    public private(set) var roots: [URL]
    public let base: URL

    /// `base` resolves relative paths (the script's folder, or the working directory in the REPL).
    public init(base: URL, roots: [URL]) {
        self.base = base.standardizedFileURL
        self.roots = roots.map { $0.standardizedFileURL.resolvingSymlinksInPath() }
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
        return PathPolicy(base: cwd, roots: roots + extra)
    }

    /// Resolves `path` (relative to `base`) and refuses anything outside the roots.
    public func resolve(_ path: String, purpose: String) throws -> URL {
        guard !path.isEmpty else { throw VerbError("\(purpose): the path is empty") }
        let url = (path.hasPrefix("/") ? URL(fileURLWithPath: path) : base.appendingPathComponent(path))
            .standardizedFileURL
        // Resolve symlinks of the deepest existing ancestor so a link cannot lead outside.
        var probe = url
        var tail: [String] = []
        while !FileManager.default.fileExists(atPath: probe.path) && probe.pathComponents.count > 1 {
            tail.insert(probe.lastPathComponent, at: 0)
            probe.deleteLastPathComponent()
        }
        var real = probe.resolvingSymlinksInPath()
        for part in tail { real.appendPathComponent(part) }
        let inside = roots.contains { root in
            real.path == root.path || real.path.hasPrefix(root.path.hasSuffix("/") ? root.path : root.path + "/")
        }
        guard inside else {
            throw VerbError("\(purpose): '\(path)' is outside the folders this script may use",
                            help: "allowed: \(roots.map(\.path).joined(separator: ", ")); run with --allow DIR to permit another folder")
        }
        return real
    }
}

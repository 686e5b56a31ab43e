import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The path a file operation really reaches: `..` removed and the symlinks of every existing
/// component resolved, so a link or `a/../b` cannot make a path look like it is somewhere else.
/// Components that do not exist yet are kept as written (they cannot be links).
enum RealPath {
    static func of(_ url: URL) -> URL {
        var probe = url.standardizedFileURL
        var tail: [String] = []
        while !FileManager.default.fileExists(atPath: probe.path) && probe.pathComponents.count > 1 {
            tail.insert(probe.lastPathComponent, at: 0)
            probe.deleteLastPathComponent()
        }
        var real = resolved(probe)
        for part in tail { real.appendPathComponent(part) }
        return real
    }

    /// True when `path` is `folder` or lies under it (both real paths).
    static func contains(_ folder: URL, _ path: URL) -> Bool {
        let root = folder.path
        return path.path == root || path.path.hasPrefix(root.hasSuffix("/") ? root : root + "/")
    }

    private static func resolved(_ url: URL) -> URL {
        guard let pointer = realpath(url.path, nil) else { return url.resolvingSymlinksInPath() }
        defer { free(pointer) }
        return URL(fileURLWithPath: String(cString: pointer))
    }
}

import Foundation

/// Where the source tree and the built `prn` binary are, seen from the test bundle.
enum RepoPaths {
    /// The package root (three levels above this file).
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `.build/<config>/prn`, next to the test bundle (the test target depends on `prn`).
    static var prn: URL {
        var dir = Bundle(for: Marker.self).bundleURL.deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent("prn")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return Bundle(for: Marker.self).bundleURL.deletingLastPathComponent().appendingPathComponent("prn")
    }

    private final class Marker {}
}

import Foundation
import Language

/// Finds `import "x.prn"`: the importing script's folder first, then stdlib/. Files outside the
/// allowed folders (and not in stdlib) are refused.
public struct FileImportResolver: ImportResolver {
    public let paths: PathPolicy
    public let stdlib: URL?

    public init(paths: PathPolicy, stdlib: URL? = StdlibLocator.find()) {
        self.paths = paths
        self.stdlib = stdlib
    }

    public func resolve(_ path: String, from importer: SourceFile) -> ImportResolution {
        let importerFolder = URL(fileURLWithPath: importer.name).deletingLastPathComponent()
        var candidates: [URL] = []
        if path.hasPrefix("/") { candidates.append(URL(fileURLWithPath: path)) } else {
            candidates.append(importerFolder.appendingPathComponent(path))
            if let lib = stdlib { candidates.append(lib.appendingPathComponent(path)) }
        }
        for c in candidates {
            let url = c.standardizedFileURL.resolvingSymlinksInPath()
            guard FileManager.default.fileExists(atPath: url.path) else { continue }
            let inStdlib = stdlib.map { url.path.hasPrefix($0.resolvingSymlinksInPath().path + "/") } ?? false
            if !inStdlib {
                do { _ = try paths.resolve(url.path, purpose: "import") } catch let e as VerbError {
                    return .refused(e.message + (e.help.map { "; " + $0 } ?? ""))
                } catch { return .refused("\(error)") }
            }
            let data: Data
            switch InputLimits.readScript(atPath: url.path) {
            case .bytes(let d): data = d
            case .missing, .unreadable: return .refused("cannot read \(url.path)")
            case .tooLong: return .refused("\(url.path): \(InputLimits.tooLongScript)")
            }
            switch SourceFile.decode(name: url.path, bytes: [UInt8](data)) {
            case .success(let file): return .found(file)
            case .failure(let d): return .invalid(d)
            }
        }
        return .notFound(searched: candidates.map { $0.deletingLastPathComponent().standardizedFileURL.path })
    }
}

/// Where the recipes of stdlib/ live, first match wins: PRN_STDLIB; the installed layout
/// (PREFIX/bin/prn beside PREFIX/share/prn/stdlib, what scripts/install makes); the source
/// checkout the binary was built in (.build/<config>/prn -> ../../stdlib); ./stdlib.
public enum StdlibLocator {
    public static func find(environment: [String: String] = ProcessInfo.processInfo.environment,
                            executable: URL? = runningExecutable) -> URL? {
        var candidates: [URL] = []
        if let s = environment["PRN_STDLIB"] { candidates.append(URL(fileURLWithPath: s)) }
        if let exe = executable?.resolvingSymlinksInPath() {
            var dir = exe.deletingLastPathComponent()
            candidates.append(dir.deletingLastPathComponent().appendingPathComponent("share/prn/stdlib"))
            for _ in 0..<5 {
                candidates.append(dir.appendingPathComponent("stdlib"))
                dir.deleteLastPathComponent()
            }
        }
        candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("stdlib"))
        return candidates.first { var d: ObjCBool = false; return FileManager.default.fileExists(atPath: $0.path, isDirectory: &d) && d.boolValue }
    }

    /// The binary's own file. argv[0] is only the name typed when prn was found on PATH, so it
    /// cannot locate an installed prn; the kernel's record of the executable can.
    public static var runningExecutable: URL? {
        if let url = Bundle.main.executableURL { return url }
        return CommandLine.arguments.first.map { URL(fileURLWithPath: $0) }
    }
}

/// How `import "file.prn"` finds files. Language decides nothing about paths: the runtime
/// supplies a resolver that knows the search folders and the allowed roots.
public protocol ImportResolver {
    /// Finds `path` as imported from `importer`. The returned file's `name` must identify the
    /// file uniquely (a canonical path), because a file is checked and run once per name.
    func resolve(_ path: String, from importer: SourceFile) -> ImportResolution
}

public enum ImportResolution: Sendable {
    case found(SourceFile)
    /// Not found; `searched` lists where the resolver looked (shown in a note).
    case notFound(searched: [String])
    /// Found but outside the allowed roots, or unreadable; the reason is shown as is.
    case refused(String)
    /// Found but not usable as source (e.g. invalid UTF-8): the resolver's diagnostic.
    case invalid(Diagnostic)
}

/// A resolver over an in-memory dictionary of files, for tests and the REPL's scratch buffers.
public struct InMemoryImportResolver: ImportResolver, Sendable {
    public var files: [String: String]

    public init(files: [String: String]) {
        self.files = files
    }

    public func resolve(_ path: String, from importer: SourceFile) -> ImportResolution {
        guard let text = files[path] else { return .notFound(searched: [path]) }
        return .found(SourceFile(name: path, text: text))
    }
}

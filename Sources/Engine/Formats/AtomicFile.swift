import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a file could not be written; names the file and the failing step.
public struct FileWriteError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}

extension FileWriteError: LocalizedError {
    public var errorDescription: String? { message }
}

/// Writes files so that readers see either the old content or the complete new content, never
/// a half-written file: the bytes go to a temporary file in the same folder (rename is only
/// atomic within one file system), are flushed to disk, and then replace the target by rename.
public enum AtomicFile {
    public static func write(_ data: Data, to url: URL) throws {
        try write(to: url) { sink in
            try data.withUnsafeBytes { try sink.write($0) }
        }
    }

    /// Streams the content through `body`, so large files never need one contiguous buffer.
    public static func write(to url: URL, _ body: (Sink) throws -> Void) throws {
        let folder = url.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw FileWriteError(message: "\(url.path): cannot write, the folder \(folder.path) does not exist; create it first")
        }
        try checkReplaceable(url)
        removeStaleTemporaries(of: url)
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else {
            throw FileWriteError(message: "\(url.path): cannot create a temporary file in \(folder.path) (\(String(cString: strerror(errno)))); check that the folder is writable")
        }
        var closed = false
        var renamed = false
        defer {
            if !closed { close(fd) }
            if !renamed { unlink(temporary.path) }
        }
        let sink = Sink(fd: fd, path: url.path)
        try body(sink)
        guard fsync(fd) == 0 else {
            throw FileWriteError(message: "\(url.path): flushing to disk failed (\(String(cString: strerror(errno))))")
        }
        closed = true
        guard close(fd) == 0 else {
            throw FileWriteError(message: "\(url.path): closing the temporary file failed (\(String(cString: strerror(errno))))")
        }
        guard rename(temporary.path, url.path) == 0 else {
            throw FileWriteError(message: "\(url.path): replacing the file failed (\(String(cString: strerror(errno)))); is it a folder or on a read-only file system?")
        }
        renamed = true
    }

    /// Refuses a target that exists but is not a regular file (or a link to one): renaming over a
    /// device, pipe or socket would remove the node, and writing into it is not atomic.
    public static func checkReplaceable(_ url: URL) throws {
        var info = stat()
        guard stat(url.path, &info) == 0 else { return }
        let kind = info.st_mode & S_IFMT
        if kind == S_IFDIR {
            throw FileWriteError(message: "\(url.path): cannot write, it is a folder; give a file name")
        }
        guard kind == S_IFREG else {
            throw FileWriteError(message: "\(url.path): cannot write, it is not a regular file (a device, pipe or socket); prn replaces files whole, so give the path of a regular file")
        }
    }

    /// Temporary files are named `.NAME.PID.RANDOM.tmp`. A writer killed mid-write (SIGKILL, power
    /// loss) cannot remove its own, so each write of a target removes those of the same target
    /// whose process no longer exists. Files of live processes, of other targets and anything
    /// not of exactly that shape are left alone; a file that cannot be removed is left too,
    /// since cleaning up must never make the write itself fail.
    static func removeStaleTemporaries(of url: URL) {
        let folder = url.deletingLastPathComponent()
        let prefix = ".\(url.lastPathComponent)."
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return }
        for name in names where name.hasPrefix(prefix) && name.hasSuffix(".tmp") {
            let middle = name.dropFirst(prefix.count).dropLast(".tmp".count).split(separator: ".", omittingEmptySubsequences: false)
            guard middle.count == 2, middle.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
                  let pid = Int32(middle[0]), pid > 0, pid != getpid(), UInt32(middle[1]) != nil else { continue }
            // kill(pid, 0) probes without signalling; ESRCH means no such process (EPERM: it exists).
            if kill(pid, 0) == -1 && errno == ESRCH {
                unlink(folder.appendingPathComponent(name).path)
            }
        }
    }

    /// Appends bytes to the temporary file.
    public struct Sink {
        let fd: Int32
        let path: String

        public func write(_ bytes: UnsafeRawBufferPointer) throws {
            guard var p = bytes.baseAddress else { return }
            var left = bytes.count
            while left > 0 {
                let n = posixWrite(fd, p, left)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw FileWriteError(message: "\(path): writing failed (\(String(cString: strerror(errno)))); is the disk full?")
                }
                p += n
                left -= n
            }
        }

        public func write(_ data: Data) throws {
            try data.withUnsafeBytes { try write($0) }
        }
    }
}

/// `write` inside `Sink` would resolve to the method itself; this names the C function.
@inline(__always) private func posixWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, p, n)
    #else
    return Darwin.write(fd, p, n)
    #endif
}

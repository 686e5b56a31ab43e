import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keeps two processes from writing one run log: each run rewrites the whole log from its own
/// events, so two at once would silently leave only one run's record. The lock is an exclusive
/// `flock` on `.NAME.prn-lock` beside the log (the log itself is replaced by rename on every
/// event, so a lock on it would not outlive the first event), held while the log is open. The
/// kernel releases it when the process ends, however it ends; the file holds the owner's pid
/// for the message the next process shows.
final class RunLogLock {
    let path: String
    private let fd: Int32

    init(for log: URL) throws {
        path = log.deletingLastPathComponent().appendingPathComponent(".\(log.lastPathComponent).prn-lock").path
        fd = try Self.acquire(path, log: log.path)
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    deinit {
        // Unlinked while still held, so a waiting process never locks a file that is about to go.
        unlink(path)
        close(fd)
    }

    private static func acquire(_ path: String, log: String) throws -> Int32 {
        while true {
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                throw RunLogError("cannot create the lock file \(path) for the run log \(log) (\(String(cString: strerror(errno)))); check that the folder is writable")
            }
            if flock(fd, LOCK_EX | LOCK_NB) != 0 {
                let busy = errno == EWOULDBLOCK
                let reason = String(cString: strerror(errno))
                let owner = busy ? ownerPID(fd) : nil
                close(fd)
                guard busy else { throw RunLogError("cannot lock the run log \(log) (\(reason))") }
                let who = owner.map { "another prn process (pid \($0))" } ?? "another prn process"
                throw RunLogError("the run log \(log) is being written by \(who); two runs on one log would keep only one of them",
                                  help: "give this run its own log (e.g. --log run-2.jsonl) or wait until that process ends")
            }
            // The previous owner unlinks the file as it finishes; if that happened between our
            // open and flock, this lock is on a file no one else can find: start over.
            var opened = stat()
            var current = stat()
            if fstat(fd, &opened) == 0, stat(path, &current) == 0,
               opened.st_ino == current.st_ino, opened.st_dev == current.st_dev {
                return fd
            }
            close(fd)
        }
    }

    private static func ownerPID(_ fd: Int32) -> Int32? {
        var bytes = [UInt8](repeating: 0, count: 32)
        let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        return Int32(String(decoding: bytes[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

import Foundation

/// Limits on statements read from standard input, where nothing bounds the input itself
/// (`yes ... | prn`, a line of gigabytes without a newline).
public enum InputLimits {
    /// Longest line or REPL entry: far beyond any statement a person writes or a generator
    /// needs (a list of 100,000 numbers fits), small enough that lexing, parsing and quoting
    /// the line in a diagnostic stay cheap.
    public static let maxLineBytes = 1 << 20
    /// Most statements read from a pipe: they are checked as a whole before anything runs, so
    /// all of it is held at once, with its tokens and syntax tree at several times its size.
    public static let maxStandardInputBytes = 16 << 20

    /// Reads everything from a file descriptor, stopping as soon as a line or the total passes
    /// its limit, so endless input ends in an error instead of exhausting memory.
    public static func readStatements(from descriptor: Int32, name: String = "<stdin>") -> Result<[UInt8], ReadFailure> {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var lineStart = 0
        var line = 1
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(ReadFailure(message: "\(name): error: cannot read standard input: \(String(cString: strerror(errno)))\n", status: PrnExit.ioError))
            }
            if count == 0 { return .success(bytes) }
            for byte in chunk[0..<count] {
                bytes.append(byte)
                if byte == UInt8(ascii: "\n") {
                    line += 1
                    lineStart = bytes.count
                } else if bytes.count - lineStart > maxLineBytes {
                    return .failure(ReadFailure(message: "\(name):\(line):1: error: line \(line) is longer than 1 MiB (\(maxLineBytes) bytes); prn stopped reading\n"
                                                + "      = help: break long lists over several lines (inside [ ] newlines do not end a statement)\n",
                                                status: PrnExit.staticError))
                }
            }
            if bytes.count > maxStandardInputBytes {
                return .failure(ReadFailure(message: "\(name): error: more than 16 MiB (\(maxStandardInputBytes) bytes) of statements on standard input; prn stopped reading\n"
                                            + "      = help: standard input is checked as a whole before it runs; give prn a shorter script\n",
                                            status: PrnExit.staticError))
            }
        }
    }

    /// A script file read no further than the piped-input bound: a device such as /dev/zero or
    /// a huge file given as a script or an import must not be read whole.
    public enum ScriptBytes {
        case bytes(Data)
        case missing, unreadable, tooLong
    }

    static let tooLongScript = "the script is longer than 16 MiB (\(maxStandardInputBytes) bytes); prn stopped reading"

    public static func readScript(atPath path: String) -> ScriptBytes {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            return FileManager.default.fileExists(atPath: path) ? .unreadable : .missing
        }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: maxStandardInputBytes + 1) ?? Data() else { return .unreadable }
        return data.count > maxStandardInputBytes ? .tooLong : .bytes(data)
    }
}

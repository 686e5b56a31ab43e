#if canImport(Glibc)
import Glibc
#endif

/// prn's exit codes (BSD sysexits where one fits).
public enum PrnExit {
    public static let success: Int32 = 0
    /// EX_USAGE: the command line itself is wrong (unknown subcommand or flag, bad --set).
    public static let usage: Int32 = 64
    /// EX_DATAERR: the script (or another input) was read but refused: syntax, types, ranges.
    public static let staticError: Int32 = 65
    /// EX_NOINPUT: a file named on the command line does not exist or cannot be read.
    public static let noInput: Int32 = 66
    public static let runtimeError: Int32 = 70
    /// EX_IOERR: the run log could not be written (disk full, not writable, held by another run).
    public static let ioError: Int32 = 74
    /// 128 + the signal, as a shell reports a process the signal ended: Ctrl-C (SIGINT).
    public static let interrupted: Int32 = 128 + SIGINT
    /// SIGTERM.
    public static let terminated: Int32 = 128 + SIGTERM

    /// The status for a run stopped at the request of `signal` (SIGINT when unknown).
    public static func stopped(by signal: Int32?) -> Int32 { 128 + (signal ?? SIGINT) }
}

/// prn's exit codes (BSD sysexits where one fits).
public enum PrnExit {
    public static let success: Int32 = 0
    public static let usage: Int32 = 64
    public static let staticError: Int32 = 65
    public static let runtimeError: Int32 = 70
    /// EX_IOERR: the run log could not be written (disk full, not writable, held by another run).
    public static let ioError: Int32 = 74
    public static let interrupted: Int32 = 130
}

/// prn's exit codes (BSD sysexits where one fits).
public enum PrnExit {
    public static let success: Int32 = 0
    public static let usage: Int32 = 64
    public static let staticError: Int32 = 65
    public static let runtimeError: Int32 = 70
    public static let interrupted: Int32 = 130
}

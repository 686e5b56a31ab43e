/// How much a session prints besides errors and what statements `print`: `quiet` nothing,
/// `normal` one summary line per command (and warnings), `verbose` also the per-layer tables.
public enum Verbosity: Int, Comparable, Sendable, CaseIterable {
    case quiet, normal, verbose

    public static func < (a: Verbosity, b: Verbosity) -> Bool { a.rawValue < b.rawValue }
}

import Language

/// Limits on the values a script builds at run time, checked before a list or string is made,
/// so a loop that nests or doubles a value without end stops with an error at its line
/// instead of overflowing the stack or growing until the kernel kills prn.
public struct ValueLimits: Sendable {
    /// Deepest nesting of lists: the parser's limit for nesting in source, so every value can
    /// be written back as a literal the parser accepts, and the few passes that still recurse
    /// over values (type checks of verb arguments) stay far from the stack limit.
    public static let maxDepth = Parser.maxDepth
    /// Largest size (`Value.size`) a value may have whatever the memory budget: 16 Mi elements
    /// or string bytes, far beyond any recipe's lists and strings.
    public static let maxSize = 1 << 24
    /// Bytes of memory one unit of size may cost at worst: a 24-byte element in the operands
    /// and the result of `+` while both are alive, and its text when printed.
    public static let bytesPerUnit = 64.0

    public let size: Int

    /// The size limit for a memory budget in bytes: 1/64 of it, at most `maxSize`.
    public init(memoryBudget: Double) {
        let share = memoryBudget / Self.bytesPerUnit
        size = share.isFinite && share < Double(Self.maxSize) ? max(1 << 16, Int(share)) : Self.maxSize
    }

    var sizeHelp: String {
        "values may hold \(size) elements and string bytes (1/\(Int(Self.bytesPerUnit)) of the memory budget, "
            + "at most \(Self.maxSize)); stop the loop that grows this value, or raise PRN_MEMORY_GB"
    }
}

extension Interpreter {
    /// Throws unless a list of this depth and size is within the limits.
    func checkList(depth: Int, size: Int, at range: SourceRange) throws {
        if depth > ValueLimits.maxDepth {
            throw failure(.valueTooDeep, "this list would be nested \(depth) deep, deeper than \(ValueLimits.maxDepth) levels",
                          range, help: "lists may nest at most \(ValueLimits.maxDepth) deep; check the loop or procedure that wraps this list in another")
        }
        if size > limits.size {
            throw failure(.valueTooLarge, "this list would have a size of \(size) (elements and string bytes at every level), more than the limit of \(limits.size)",
                          range, help: limits.sizeHelp)
        }
    }

    func checkString(bytes: Int, at range: SourceRange) throws {
        if bytes > limits.size {
            throw failure(.valueTooLarge, "this string would be \(bytes) bytes long, more than the limit of \(limits.size) bytes",
                          range, help: limits.sizeHelp)
        }
    }

    /// A value from outside the script (`--set`) within the same limits.
    func checkValue(_ value: Value, at range: SourceRange) throws {
        switch value {
        case .list(let list): try checkList(depth: list.depth, size: list.size, at: range)
        case .string(let text), .word(let text): try checkString(bytes: text.utf8.count, at: range)
        default: break
        }
    }
}

/// The elements of a list value. The list's nesting depth and size are computed once, when it
/// is built, so the interpreter checks its limits in constant time however the list was made
/// (including lists that hold the same list twice, whose size counts it twice because printing
/// and comparing walk it twice).
///
/// Lists are immutable once built; `items` changes only in `deinit`, when no other reference
/// exists, which is why the class may be shared between threads.
public final class ValueList: @unchecked Sendable, RandomAccessCollection, ExpressibleByArrayLiteral {
    public private(set) var items: [Value]
    /// 1 for a list of scalars, one more per level of lists inside.
    public let depth: Int
    /// This list plus every element at every level, strings counting their bytes.
    public let size: Int

    public init(_ items: [Value]) {
        var depth = 0
        var size = 1
        for item in items {
            depth = Swift.max(depth, item.depth)
            size = Value.saturatingAdd(size, item.size)
        }
        self.items = items
        self.depth = depth + 1
        self.size = size
    }

    public convenience init(arrayLiteral elements: Value...) { self.init(elements) }

    public var startIndex: Int { items.startIndex }
    public var endIndex: Int { items.endIndex }
    public subscript(position: Int) -> Value { items[position] }

    private static func list(in value: consuming Value) -> ValueList? {
        if case .list(let list) = value { return list }
        return nil
    }

    /// Freeing a nested list the default way recurses once per level and can overflow the
    /// stack; lists owned only by this one are taken apart here with an explicit stack instead.
    deinit {
        guard depth > 1 else { return }
        var pending = items
        items = []
        while let value = pending.popLast() {
            if case .record(let record) = value {
                pending.append(contentsOf: record.values)
                continue
            }
            // `consume` ends `value` here, so `child` is the last reference when nothing else holds it.
            guard var child = Self.list(in: consume value) else { continue }
            if isKnownUniquelyReferenced(&child) {
                pending.append(contentsOf: child.items)
                child.items = []
            }
        }
    }
}

extension Value {
    /// Nesting depth: 0 for a scalar, 1 for a flat list.
    public var depth: Int {
        switch self {
        case .list(let list): return list.depth
        case .record(let record): return 1 + (record.values.map(\.depth).max() ?? 0)
        default: return 0
        }
    }

    /// What printing, comparing or copying the value walks: 1 per scalar, the bytes of strings
    /// and words, and one per list or record plus its elements at every level.
    public var size: Int {
        switch self {
        case .list(let list): return list.size
        case .string(let text), .word(let text): return max(1, text.utf8.count)
        case .record(let record): return record.values.reduce(1) { Value.saturatingAdd($0, $1.size) }
        case .number, .bool, .none: return 1
        }
    }

    static func saturatingAdd(_ a: Int, _ b: Int) -> Int {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? Int.max : sum
    }
}

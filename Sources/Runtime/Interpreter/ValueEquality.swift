/// Comparison of values, with an explicit stack so nesting depth never matters.
extension Value {
    public static func == (a: Value, b: Value) -> Bool { equal(a, b, wordsMatchStrings: false) }

    /// Equality as the language sees it: a word equals the string with the same text.
    public func languageEquals(_ other: Value) -> Bool { Self.equal(self, other, wordsMatchStrings: true) }

    private static func equal(_ a: Value, _ b: Value, wordsMatchStrings: Bool) -> Bool {
        var pending: [(Value, Value)] = [(a, b)]
        while let (x, y) = pending.popLast() {
            switch (x, y) {
            case (.number(let p), .number(let q)): if p != q { return false }
            case (.bool(let p), .bool(let q)): if p != q { return false }
            case (.string(let p), .string(let q)), (.word(let p), .word(let q)): if p != q { return false }
            case (.word(let p), .string(let q)), (.string(let p), .word(let q)):
                if !wordsMatchStrings || p != q { return false }
            case (.none, .none): break
            case (.list(let p), .list(let q)):
                // The same list is equal to itself (as arrays are, NaN elements included).
                if p === q { continue }
                guard p.count == q.count else { return false }
                pending.append(contentsOf: zip(p.items, q.items))
            case (.record(let p), .record(let q)):
                guard p.names == q.names else { return false }
                pending.append(contentsOf: zip(p.values, q.values))
            default:
                return false
            }
        }
        return true
    }
}

import Language

/// Typed access to evaluated options. The checker and the interpreter have already enforced
/// the signature's types and ranges, so these only convert.
extension VerbInvocation {
    func double(_ name: String) -> Double? { option(name)?.number ?? argument(name)?.number }
    /// Integer options without an upper bound in their signature (subset=, min_keep=, ...) may
    /// be written as 1e300: such values saturate at 2^53 (more than any count prn deals with,
    /// and small enough that sums of them cannot overflow) instead of trapping in `Int(_:)`.
    func int(_ name: String) -> Int? {
        guard let v = double(name), !v.isNaN else { return nil }
        let limit = Double(1 << 53)
        return Int(Swift.max(-limit, Swift.min(limit, v)))
    }
    func float(_ name: String) -> Float? { double(name).map { Float($0) } }
    func bool(_ name: String) -> Bool? {
        if case .bool(let b)? = option(name) ?? argument(name) { return b }
        return nil
    }
    func text(_ name: String) -> String? { (option(name) ?? argument(name))?.text }
    func given(_ name: String) -> Bool { givenOptions.contains(name) }
}

extension Record {
    init(_ pairs: KeyValuePairs<String, Double>) {
        self.init(pairs.map { ($0.key, Value.number($0.value)) })
    }
}

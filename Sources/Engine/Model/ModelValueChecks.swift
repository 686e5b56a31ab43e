/// Value checks for tensors read from model files: a weight that is NaN or infinite poisons every
/// output downstream, and a mask that is neither 0 nor 1 scales weights instead of pruning them.
public enum ModelValueChecks {
    public struct Finding {
        public let index: Int
        public let value: Float
        /// How many entries of the tensor fail the same check.
        public let count: Int
    }

    public static func firstNonFinite(_ t: Tensor) -> Finding? {
        first(t) { !$0.isFinite }
    }

    public static func firstNotZeroOrOne(_ t: Tensor) -> Finding? {
        first(t) { $0 != 0 && $0 != 1 }
    }

    /// Non-finite values over all of a model's parameters and buffers.
    public static func nonFiniteCount(_ model: Model) -> Int {
        model.parameters.reduce(0) { $0 + (firstNonFinite($1.value)?.count ?? 0) }
    }

    public static func describe(_ v: Float) -> String {
        v.isNaN ? "NaN" : v > 0 ? "an infinite value (+inf)" : "an infinite value (-inf)"
    }

    private static func first(_ t: Tensor, _ bad: (Float) -> Bool) -> Finding? {
        var firstIndex = -1, count = 0
        for i in 0..<t.count where bad(t.data[i]) {
            if firstIndex < 0 { firstIndex = i }
            count += 1
        }
        return firstIndex < 0 ? nil : Finding(index: firstIndex, value: t.data[firstIndex], count: count)
    }
}

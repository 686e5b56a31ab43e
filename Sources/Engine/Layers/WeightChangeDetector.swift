import CKernels

/// Tells whether a weight's contents changed since the last look, so that what a layer derives
/// from its weight (a compressed form, a transformed copy) is rebuilt only then.
///
/// Weights change outside training too (pruning writes masks and zeroes values, loading copies
/// values in place, and anything may write through a tensor's pointer), so the check is a
/// fingerprint of the weight's bits rather than a count of training steps. The fingerprint is
/// one vectorised pass over the weight; inside an evaluation pass
/// (`SparseInference.withWeightsFixed`) it is taken on the first batch only.
struct WeightChangeDetector {
    private var key: WeightFingerprint?
    /// The evaluation pass in which `key` was last compared with the weight.
    private var checkedInPass: Int?

    /// Whether `changed` would take a fingerprint (a forward outside an evaluation pass, or the
    /// first of a pass).
    var needsCheck: Bool {
        guard let pass = SparseInference.currentPass else { return true }
        return checkedInPass != pass || key == nil
    }

    /// True when `value` differs from the tensor last looked at (always on the first look);
    /// false without looking once it was checked in the current evaluation pass.
    mutating func changed(_ value: Tensor) -> Bool {
        guard needsCheck else { return false }
        checkedInPass = SparseInference.currentPass
        let print = WeightFingerprint(value)
        if key == print { return false }
        key = print
        return true
    }

    /// Forgets the last look (the weight was replaced or is being rewritten every call).
    mutating func reset() { key = nil; checkedInPass = nil }
}

/// Count plus two position-weighted sums of a tensor's bit patterns (wrapping arithmetic).
public struct WeightFingerprint: Equatable, Sendable {
    let count: Int
    let plain: UInt32
    let weighted: UInt32

    public init(_ t: Tensor) {
        count = t.count
        var a: UInt32 = 0, b: UInt32 = 0
        t.data.withMemoryRebound(to: UInt32.self, capacity: t.count) { prn_fingerprint($0, t.count, &a, &b) }
        plain = a
        weighted = b
    }
}


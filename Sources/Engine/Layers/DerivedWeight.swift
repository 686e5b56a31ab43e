import CKernels

/// What a layer derives from its weight for a kernel (a rearranged, packed or transformed copy),
/// with the rule for when to remake it: training changes the weight between calls, so a training
/// forward (or an input gradient) remakes it every call; eval forwards keep it while the weight's
/// fingerprint (`WeightChangeDetector`) is unchanged, which inside an evaluation pass is checked
/// once. A copy remade every call lives in the calling thread's scratch (slot 4), which serves
/// every layer in turn, so that no layer holds a copy it will not reuse.
struct DerivedWeight {
    private var buffer: Tensor?
    private var detector = WeightChangeDetector()

    /// The copy of `size` floats, made by `make` unless `keep` and it was made from this weight.
    mutating func get(from weight: Tensor, size: Int, keep: Bool,
                      make: (UnsafeMutablePointer<Float>) -> Void) -> UnsafePointer<Float> {
        guard keep else {
            reset()
            guard let scratch = prn_thread_scratch(4, size) else {
                preconditionFailure("out of memory for a derived weight (\(size) floats)")
            }
            make(scratch)
            return UnsafePointer(scratch)
        }
        let changed = detector.changed(weight)
        if !changed, let t = buffer, t.count == size { return UnsafePointer(t.data) }
        let t = Tensor.reuse(&buffer, shape: [size])
        make(t.data)
        return UnsafePointer(t.data)
    }

    /// Forgets the copy (the weight was replaced).
    mutating func reset() { buffer = nil; detector.reset() }
}

/// What a layer derives from its weight for a kernel (a rearranged, packed or transformed copy),
/// with the rule for when to remake it: training changes the weight between calls, so a training
/// forward remakes it every call; eval forwards keep it while the weight's fingerprint
/// (`WeightChangeDetector`) is unchanged, which inside an evaluation pass is checked once.
struct DerivedWeight {
    private var buffer: Tensor?
    private var detector = WeightChangeDetector()

    /// The copy of `size` floats, made by `make` unless `keep` and it was made from this weight.
    mutating func get(from weight: Tensor, size: Int, keep: Bool,
                      make: (UnsafeMutablePointer<Float>) -> Void) -> UnsafePointer<Float> {
        if keep {
            let changed = detector.changed(weight)
            if !changed, let t = buffer, t.count == size { return UnsafePointer(t.data) }
        } else {
            detector.reset()
        }
        let t = Tensor.reuse(&buffer, shape: [size])
        make(t.data)
        return UnsafePointer(t.data)
    }

    /// Forgets the copy (the weight was replaced).
    mutating func reset() { buffer = nil; detector.reset() }
}

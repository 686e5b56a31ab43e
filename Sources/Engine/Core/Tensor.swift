import Foundation

/// A dense Float32 array with a shape, stored contiguously (row-major; images are NCHW).
///
/// A reference type on purpose: layers keep their output buffers between batches and hand them
/// on without copying, so hot loops never allocate and never trigger copy-on-write. Call `copy()`
/// when you need a value that must outlive the next forward pass.
public final class Tensor: @unchecked Sendable, CustomStringConvertible {
    public private(set) var shape: [Int]
    public private(set) var count: Int
    /// Elements allocated; a reused buffer may hold more than `count`.
    public let capacity: Int
    public let data: UnsafeMutablePointer<Float>
    /// Set for views: they share another tensor's storage and keep it alive.
    private let owner: Tensor?

    public init(shape: [Int], zeroed: Bool = true) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        self.count = shape.reduce(1, *)
        self.capacity = Swift.max(count, 1)
        self.data = .allocate(capacity: capacity)
        self.owner = nil
        if zeroed { data.initialize(repeating: 0, count: capacity) }
    }

    public convenience init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not hold \(values.count) values")
        self.init(shape: shape, zeroed: false)
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { data.update(from: base, count: values.count) }
        }
    }

    public convenience init(shape: [Int], repeating value: Float) {
        self.init(shape: shape, zeroed: false)
        data.update(repeating: value, count: count)
    }

    /// A view with another shape over the same storage (same element count).
    public init(viewOf base: Tensor, shape: [Int]) {
        precondition(shape.reduce(1, *) == base.count, "view shape \(shape) does not match \(base.shape)")
        self.shape = shape
        self.count = base.count
        self.capacity = base.capacity
        self.data = base.data
        self.owner = base.owner ?? base
    }

    /// A view of `shape` over `base`'s storage starting `offset` elements in: a contiguous run of
    /// samples, read without copying. Writes through it change `base`.
    public init(sliceOf base: Tensor, offset: Int, shape: [Int]) {
        let n = shape.reduce(1, *)
        precondition(offset >= 0 && offset + n <= base.count, "slice [\(offset), \(offset + n)) outside \(base.shape)")
        self.shape = shape
        self.count = n
        self.capacity = Swift.max(n, 1)
        self.data = base.data + offset
        self.owner = base.owner ?? base
    }

    deinit { if owner == nil { data.deallocate() } }

    public var rank: Int { shape.count }
    /// Elements per item of the leading (batch) dimension.
    public var itemCount: Int { shape.count > 1 ? count / shape[0] : count }

    @inline(__always) public subscript(i: Int) -> Float {
        get { data[i] }
        set { data[i] = newValue }
    }

    public var buffer: UnsafeMutableBufferPointer<Float> { .init(start: data, count: count) }
    public var array: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }

    public func copy() -> Tensor {
        let t = Tensor(shape: shape, zeroed: false)
        t.data.update(from: data, count: count)
        return t
    }

    public func copy(from other: Tensor) {
        precondition(other.count == count, "copy: \(other.shape) into \(shape)")
        data.update(from: other.data, count: count)
    }

    public func fill(_ value: Float) { data.update(repeating: value, count: count) }
    public func zero() { fill(0) }

    /// Changes the shape in place; the new shape must fit in the allocated capacity.
    public func reshape(_ newShape: [Int]) {
        let n = newShape.reduce(1, *)
        precondition(n <= capacity, "reshape \(shape) -> \(newShape) exceeds capacity \(capacity)")
        shape = newShape
        count = n
    }

    /// Returns `buffer` reshaped to `shape` when it is large enough, else a new tensor.
    /// The contents are unspecified unless `zeroed`: callers overwrite them.
    public static func reuse(_ buffer: inout Tensor?, shape: [Int], zeroed: Bool = false) -> Tensor {
        let n = shape.reduce(1, *)
        if let b = buffer, b.owner == nil, b.capacity >= n {
            b.reshape(shape)
            if zeroed { b.zero() }
            return b
        }
        let t = Tensor(shape: shape, zeroed: zeroed)
        buffer = t
        return t
    }

    public func sum() -> Double {
        var s = 0.0
        for i in 0..<count { s += Double(data[i]) }
        return s
    }

    public var allFinite: Bool {
        for i in 0..<count where !data[i].isFinite { return false }
        return true
    }

    public var description: String {
        let head = (0..<Swift.min(count, 6)).map { String(format: "%.4g", data[$0]) }.joined(separator: ", ")
        return "Tensor\(shape)[\(head)\(count > 6 ? ", ..." : "")]"
    }
}

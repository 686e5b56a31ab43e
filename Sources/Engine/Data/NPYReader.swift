import Foundation

/// Reads NumPy `.npy` arrays (format versions 1 to 3) as features or labels.
///
/// Layout: `\x93NUMPY`, a major and minor version byte, the header length (2 bytes little-endian
/// in version 1, 4 bytes in versions 2 and 3), a Python dict literal such as
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (60000, 28, 28), }`, then the values.
/// The header's shape is never trusted for allocation: it is checked against the bytes present
/// and the memory budget first.
public enum NPYReader {
    /// The element types prn understands (always little-endian or single-byte).
    enum Element: Equatable {
        case float32, float64, uint(Int), int(Int)

        var size: Int {
            switch self {
            case .float32: return 4
            case .float64: return 8
            case .uint(let n), .int(let n): return n
            }
        }
        var isInteger: Bool {
            if case .uint = self { return true }
            if case .int = self { return true }
            return false
        }
    }

    /// A parsed `.npy` file: its header and the bytes of its values.
    struct Array {
        let file: String
        let descr: String
        let element: Element
        let fortranOrder: Bool
        let shape: [Int]
        let payload: ArraySlice<UInt8>
        var count: Int { shape.reduce(1, *) }
    }

    static let magic: [UInt8] = [0x93] + Swift.Array("NUMPY".utf8)

    /// Parses the header of `bytes` (the whole file) and checks the payload size against it.
    static func parse(_ bytes: ArraySlice<UInt8>, file: String) throws -> Array {
        let b = bytes.startIndex
        guard bytes.count >= 6, Swift.Array(bytes[b..<(b + 6)]) == magic else { throw NPYError.notNPY(file: file) }
        guard bytes.count >= 10 else {
            throw NPYError.badHeader(file: file, reason: "\(bytes.count) bytes is too short for the preamble")
        }
        let major = bytes[b + 6]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[b + 8]) | Int(bytes[b + 9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else {
                throw NPYError.badHeader(file: file, reason: "\(bytes.count) bytes is too short for the preamble")
            }
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[b + 8 + $1]) << (8 * $1) }
            headerStart = 12
        default:
            throw NPYError.badHeader(file: file, reason: "format version \(major) is unknown; prn reads versions 1 to 3")
        }
        guard headerLength <= bytes.count - headerStart else {
            throw NPYError.badHeader(file: file, reason: "it claims \(headerLength) bytes but the file has \(bytes.count - headerStart) after the preamble")
        }
        let headerBytes = bytes[(b + headerStart)..<(b + headerStart + headerLength)]
        guard let text = String(bytes: headerBytes, encoding: major == 3 ? .utf8 : .isoLatin1) else {
            throw NPYError.badHeader(file: file, reason: "the header is not text")
        }
        let header = try NPYHeader.parse(text, file: file)
        let element = try element(header.descr, file: file)
        let payload = bytes[(b + headerStart + headerLength)...]
        var total = 1
        for dim in header.shape {
            let (product, overflow) = total.multipliedReportingOverflow(by: dim)
            total = overflow ? Int.max : product
        }
        let (needed, overflow) = total.multipliedReportingOverflow(by: element.size)
        let neededBytes = overflow ? Int.max : needed
        guard neededBytes <= payload.count else {
            throw NPYError.truncated(file: file, needed: neededBytes, available: payload.count)
        }
        guard neededBytes == payload.count else {
            throw NPYError.trailingBytes(file: file, extra: payload.count - neededBytes)
        }
        return Array(file: file, descr: header.descr, element: element, fortranOrder: header.fortranOrder,
                     shape: header.shape, payload: payload)
    }

    /// '<f4', '|u1', '<i8', ...: byte order, kind, size. Big-endian and every other kind are refused.
    static func element(_ descr: String, file: String) throws -> Element {
        let chars = Swift.Array(descr)
        guard chars.count >= 3, let size = Int(String(chars[2...])) else {
            throw NPYError.unsupportedType(file: file, dtype: descr, role: "arrays")
        }
        let order = chars[0], kind = chars[1]
        // '>' is big-endian; a single byte has no order and numpy writes '|'.
        guard order == "<" || order == "=" || (order == "|" && size == 1) || (order == ">" && size == 1) else {
            throw NPYError.unsupportedType(file: file, dtype: descr, role: "arrays")
        }
        switch (kind, size) {
        case ("f", 4): return .float32
        case ("f", 8): return .float64
        case ("u", 1), ("u", 2), ("u", 4), ("u", 8): return .uint(size)
        case ("i", 1), ("i", 2), ("i", 4), ("i", 8): return .int(size)
        default: throw NPYError.unsupportedType(file: file, dtype: descr, role: "arrays")
        }
    }

    /// The value at C-order position `i` of the logical array, as Double. Fortran-order files
    /// store the same values with the first axis varying fastest; `offsets` maps the two.
    private static func value(_ raw: UnsafeRawBufferPointer, _ element: Element, _ at: Int) -> Double {
        let o = at * element.size
        switch element {
        case .float32: return Double(Float(bitPattern: raw.loadUnaligned(fromByteOffset: o, as: UInt32.self).littleEndian))
        case .float64: return Double(bitPattern: raw.loadUnaligned(fromByteOffset: o, as: UInt64.self).littleEndian)
        case .uint(1): return Double(raw[o])
        case .uint(2): return Double(raw.loadUnaligned(fromByteOffset: o, as: UInt16.self).littleEndian)
        case .uint(4): return Double(raw.loadUnaligned(fromByteOffset: o, as: UInt32.self).littleEndian)
        case .uint: return Double(raw.loadUnaligned(fromByteOffset: o, as: UInt64.self).littleEndian)
        case .int(1): return Double(Int8(bitPattern: raw[o]))
        case .int(2): return Double(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: Int16.self)))
        case .int(4): return Double(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: Int32.self)))
        case .int: return Double(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: Int64.self)))
        }
    }

    /// For each C-order position, the position of the same element in the file's storage order.
    private static func storageIndex(_ array: Array) -> (Int) -> Int {
        guard array.fortranOrder, array.shape.count > 1 else { return { $0 } }
        let shape = array.shape
        // C strides decompose a C index; Fortran strides rebuild the storage position.
        var cStrides = [Int](repeating: 1, count: shape.count)
        var fStrides = [Int](repeating: 1, count: shape.count)
        for d in stride(from: shape.count - 2, through: 0, by: -1) { cStrides[d] = cStrides[d + 1] * shape[d + 1] }
        for d in 1..<shape.count { fStrides[d] = fStrides[d - 1] * shape[d - 1] }
        return { i in
            var rest = i, at = 0
            for d in 0..<shape.count {
                at += (rest / cStrides[d]) * fStrides[d]
                rest %= cStrides[d]
            }
            return at
        }
    }

    /// Features: (N, F) stays [N, F]; (N, H, W) becomes [N, 1, H, W]; (N, C, H, W) and
    /// (N, H, W, C) with C of 1 or 3 become [N, C, H, W]. uint8 values are pixels and are scaled to
    /// [0, 1] like every other image reader; other types are taken as they are.
    static func features(_ array: Array, budget: (bytes: Int, reason: String) = FileBytes.inflationLimit) throws -> Tensor {
        let file = array.file
        switch array.element {
        case .float32, .float64, .uint(1), .int(8): break
        default: throw NPYError.unsupportedType(file: file, dtype: array.descr, role: "features")
        }
        let shape = array.shape
        guard (2...4).contains(shape.count) else {
            throw NPYError.badShape(file: file, shape: shape, reason: "must be (N, features), (N, H, W), (N, C, H, W) or (N, H, W, C) with one row per sample")
        }
        if let zero = shape.firstIndex(of: 0) {
            throw NPYError.badShape(file: file, shape: shape, reason: "has an empty axis \(zero); the array holds no values")
        }
        var target = shape
        var channelsLast = false
        if shape.count == 3 {
            target = [shape[0], 1, shape[1], shape[2]]
        } else if shape.count == 4 {
            let first = [1, 3].contains(shape[1]), last = [1, 3].contains(shape[3])
            if first == last {
                throw NPYError.badShape(file: file, shape: shape, reason: first
                    ? "is ambiguous: both axis 1 and axis 3 could hold the channels; store images as (N, H, W, C) with H and W above 3"
                    : "has no channel axis of 1 or 3 (neither axis 1 nor axis 3); store images as (N, C, H, W) or (N, H, W, C)")
            }
            channelsLast = last
            if last { target = [shape[0], shape[3], shape[1], shape[2]] }
        }
        let count = array.count
        let needed = count * 4 * (channelsLast ? 2 : 1)
        guard needed <= budget.bytes else { throw NPYError.tooLarge(file: file, bytes: needed, limit: budget.reason) }

        let logical = Tensor(shape: shape, zeroed: false)
        let index = storageIndex(array)
        try array.payload.withUnsafeBytes { raw in
            let out = logical.data
            if array.element == .uint(1) {
                // The IDX reader's arithmetic exactly, so the same pixels give the same floats.
                let scale: Float = 1 / 255
                for i in 0..<count { out[i] = Float(raw[index(i)]) * scale }
                return
            }
            for i in 0..<count {
                let v = value(raw, array.element, index(i))
                guard v.isFinite else { throw NPYError.nonFinite(file: file, index: i) }
                out[i] = Float(v)
            }
        }
        guard channelsLast else {
            logical.reshape(target)
            return logical
        }
        let (n, h, w, c) = (shape[0], shape[1], shape[2], shape[3])
        let planar = Tensor(shape: target, zeroed: false)
        for s in 0..<n {
            let from = logical.data + s * h * w * c, to = planar.data + s * h * w * c
            for p in 0..<(h * w) {
                for ch in 0..<c { to[ch * h * w + p] = from[p * c + ch] }
            }
        }
        return planar
    }

    /// Labels: shape (N,) or (N, 1) of an integer type, each a class index below 65536.
    static func labels(_ array: Array) throws -> [Int32] {
        let file = array.file
        guard array.element.isInteger else {
            throw NPYError.unsupportedType(file: file, dtype: array.descr, role: "labels")
        }
        let shape = array.shape
        guard shape.count == 1 || (shape.count == 2 && shape[1] == 1) else {
            throw NPYError.badShape(file: file, shape: shape, reason: "is not a label vector (N,) or (N, 1); give one integer class per sample")
        }
        guard shape[0] > 0 else {
            throw NPYError.badShape(file: file, shape: shape, reason: "holds no labels")
        }
        var out = [Int32]()
        out.reserveCapacity(shape[0])
        try array.payload.withUnsafeBytes { raw in
            for i in 0..<shape[0] {
                let v = value(raw, array.element, i)
                guard v >= 0, v < 65536 else { throw NPYError.badLabel(file: file, index: i, value: Int64(exactly: v) ?? Int64.max) }
                out.append(Int32(v))
            }
        }
        return out
    }

    /// Reads one `.npy` file (raw or gzip-compressed).
    static func read(_ url: URL) throws -> Array {
        let bytes = try FileBytes.read(url)
        return try parse(bytes[...], file: url.path)
    }
}

/// The header dict of a `.npy` file: exactly the keys descr, fortran_order and shape.
struct NPYHeader {
    let descr: String
    let fortranOrder: Bool
    let shape: [Int]

    /// A small parser for the literal numpy writes; anything else is refused, never guessed.
    static func parse(_ text: String, file: String) throws -> NPYHeader {
        var scanner = HeaderScanner(Array(text.unicodeScalars))
        func fail(_ why: String) -> NPYError { .badHeader(file: file, reason: why) }
        var descr: String?, fortran: Bool?, shape: [Int]?
        guard scanner.take("{") else { throw fail("it does not start with '{'") }
        while !scanner.take("}") {
            guard let key = scanner.quoted() else { throw fail("a key is not a quoted name") }
            guard scanner.take(":") else { throw fail("no ':' after '\(key)'") }
            switch key {
            case "descr":
                guard let value = scanner.quoted() else {
                    throw NPYError.unsupportedType(file: file, dtype: "structured", role: "arrays")
                }
                descr = value
            case "fortran_order":
                guard let value = scanner.boolean() else { throw fail("fortran_order is not True or False") }
                fortran = value
            case "shape":
                guard let value = scanner.tuple() else { throw fail("shape is not a tuple of non-negative integers") }
                shape = value
            default:
                throw fail("unexpected key '\(key)'")
            }
            if !scanner.take(",") {
                guard scanner.take("}") else { throw fail("expected ',' or '}' after '\(key)'") }
                break
            }
        }
        guard let descr, let fortran, let shape else {
            throw fail("it needs descr, fortran_order and shape")
        }
        return NPYHeader(descr: descr, fortranOrder: fortran, shape: shape)
    }
}

private struct HeaderScanner {
    let chars: [Unicode.Scalar]
    var at = 0

    init(_ chars: [Unicode.Scalar]) { self.chars = chars }

    mutating func skipSpace() {
        while at < chars.count, chars[at] == " " || chars[at] == "\n" || chars[at] == "\t" { at += 1 }
    }

    mutating func take(_ c: Unicode.Scalar) -> Bool {
        skipSpace()
        guard at < chars.count, chars[at] == c else { return false }
        at += 1
        return true
    }

    mutating func quoted() -> String? {
        skipSpace()
        guard at < chars.count, chars[at] == "'" || chars[at] == "\"" else { return nil }
        let quote = chars[at]
        var out = String.UnicodeScalarView()
        at += 1
        while at < chars.count, chars[at] != quote {
            out.append(chars[at])
            at += 1
        }
        guard at < chars.count else { return nil }
        at += 1
        return String(out)
    }

    mutating func boolean() -> Bool? {
        skipSpace()
        for (word, value) in [("True", true), ("False", false)] {
            let w = Array(word.unicodeScalars)
            if at + w.count <= chars.count, Array(chars[at..<(at + w.count)]) == w {
                at += w.count
                return value
            }
        }
        return nil
    }

    /// `()`, `(7,)`, `(60000, 28, 28)`; each dimension at most 2^40 so products stay meaningful.
    mutating func tuple() -> [Int]? {
        guard take("(") else { return nil }
        var dims = [Int]()
        while true {
            if take(")") { return dims }
            skipSpace()
            var digits = ""
            while at < chars.count, ("0"..."9").contains(chars[at]), digits.count <= 13 {
                digits.unicodeScalars.append(chars[at])
                at += 1
            }
            // Python 2 era files may write long integers as 60000L.
            if at < chars.count, chars[at] == "L" { at += 1 }
            guard let dim = Int(digits), dim <= 1 << 40 else { return nil }
            dims.append(dim)
            if !take(",") {
                return take(")") ? dims : nil
            }
        }
    }
}

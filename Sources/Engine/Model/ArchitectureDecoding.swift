import Foundation

/// Reading a stored architecture: every number in it comes from a file, so each is decoded as
/// a JSON number and range-checked before it becomes an Int (a plain `Int` decode refuses
/// 1e300 or 2.5 only with an unhelpful message, and accepts sizes prn cannot handle).
extension Architecture {
    /// Samples are [features] or [channels, height, width]; 4 leaves room and nothing beyond.
    public static let maximumInputRank = 4
    public static let maximumInputDimension = 1 << 16
    /// The same ceiling as `load classes=`.
    public static let maximumClasses = 100_000
    /// Far more nodes than any network prn builds; keeps node indices small integers.
    public static let maximumNodes = 1 << 20

    private enum Keys: String, CodingKey { case name, input, classes, nodes, preprocessing }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        name = try c.decode(String.self, forKey: .name)
        let rawInput = try c.decode([Double].self, forKey: .input)
        guard (1...Self.maximumInputRank).contains(rawInput.count) else {
            throw ShapeError("the input shape \(rawInput) has rank \(rawInput.count); prn reads samples of rank 1 to \(Self.maximumInputRank)")
        }
        input = try rawInput.map { try Self.wholeNumber($0, "an input dimension", 1...Self.maximumInputDimension) }
        classes = try Self.wholeNumber(c.decode(Double.self, forKey: .classes), "classes", 1...Self.maximumClasses)
        nodes = try c.decode([Node].self, forKey: .nodes)
        guard nodes.count <= Self.maximumNodes else {
            throw ShapeError("\(nodes.count) nodes is more than the \(Self.maximumNodes) a model may have")
        }
        // Absent in files written before prn recorded it: such a model's preprocessing is unknown.
        preprocessing = try c.decodeIfPresent(InputPreprocessing.self, forKey: .preprocessing)
    }

    /// `value` as an Int when it is a whole number within `range`; otherwise an error naming `what`.
    static func wholeNumber(_ value: Double, _ what: String, _ range: ClosedRange<Int>) throws -> Int {
        guard value == value.rounded(), value >= Double(range.lowerBound), value <= Double(range.upperBound) else {
            throw ShapeError("\(what) is \(value), expected a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return Int(value)
    }
}

extension Architecture.Node {
    private enum Keys: String, CodingKey { case name, kind, inputs, config }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let nodeName = try c.decode(String.self, forKey: .name)
        name = nodeName
        kind = try c.decode(String.self, forKey: .kind)
        inputs = try c.decode([Double].self, forKey: .inputs).map {
            try Architecture.wholeNumber($0, "node \(nodeName) inputs entry", 0...Architecture.maximumNodes)
        }
        config = try c.decode([String: Double].self, forKey: .config)
    }
}

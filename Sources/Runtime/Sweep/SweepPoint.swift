import Foundation
import Language

/// One run of a sweep: the recipe with the swept values of this point and the fixed ones.
public struct SweepPoint: Sendable {
    public let index: Int
    public let swept: [(name: String, value: Value)]
    public let fixed: [(name: String, value: Value)]
    /// "point" for the grid's runs, "shared" for a shared step.
    public var stage = "point"

    init(index: Int, swept: [(String, Value)], fixed: [(name: String, value: Value)], stage: String = "point") {
        self.index = index
        self.swept = swept.map { (name: $0.0, value: $0.1) }
        self.fixed = fixed
        self.stage = stage
    }

    /// `name=value` of every swept variable, for people: `method=magnitude, run_seed=0`.
    public var label: String {
        swept.isEmpty ? "(the only point)" : swept.map { "\($0.name)=\(Self.text($0.value))" }.joined(separator: ", ")
    }

    /// The log's file name without extension: the swept values, `method=magnitude,run_seed=0`;
    /// characters a file name should not hold become `_`. Shared steps start with `shared,`.
    public var name: String {
        let body = swept.isEmpty ? "run" : swept.map { "\($0.name)=\(Self.text($0.value))" }.joined(separator: ",")
        let safe = String(body.map { c -> Character in
            c.isASCII && (c.isLetter || c.isNumber || "._=,+-".contains(c)) ? c : "_"
        })
        return stage == "shared" ? "shared," + safe : safe
    }

    /// Every `--set NAME=VALUE` the run gets, fixed ones first, as .prn literals.
    public var sets: [(String, String)] {
        (fixed.map { ($0.name, $0.value.literal) } + swept.map { ($0.name, $0.value.literal) })
    }

    static func text(_ v: Value) -> String {
        if case .string(let s) = v { return s }
        return v.literal
    }
}

import Foundation
import Language

/// The points of a sweep: fixed `--set` values, and axes whose values are crossed with each
/// other (`--vary NAME=[a, b]`, `--seeds N`). Every point is one run of the recipe.
public struct SweepGrid: Sendable {
    public struct Axis: Sendable, Equatable {
        public var name: String
        public var values: [Value]
    }

    /// Variables every point gets, in the order given.
    public var fixed: [(name: String, value: Value)] = []
    /// Crossed in order: the last axis changes fastest.
    public var axes: [Axis] = []
    /// A step that points share, run once per combination of `sharedOver` (e.g. training the
    /// dense model each seed's prunes start from): the variable it sets instead of the points'
    /// value, and the axes it depends on.
    public var shared: (name: String, value: Value)?
    public var sharedOver: [String] = []
    /// How each `--set` value and the `--shared` value (key "--shared") was given, for errors
    /// about the `{NAME}` references in it.
    var origins: [String: String] = [:]

    public init() {}

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The variable `--seeds N` sweeps (the reproduction recipes' name for it).
    public static let seedVariable = "run_seed"

    public mutating func set(_ text: String, origin: String) throws {
        let (name, value) = try Self.split(text, origin: origin, option: "--set")
        if axes.contains(where: { $0.name == name }) {
            throw Failure(description: "\(origin): '\(name)' is both fixed (--set) and swept (--vary); give it one way")
        }
        fixed.removeAll { $0.name == name }
        fixed.append((name, value))
        origins[name] = Self.shown(text, origin: origin, option: "--set")
    }

    public mutating func vary(_ text: String, origin: String) throws {
        let (name, value) = try Self.split(text, origin: origin, option: "--vary")
        guard case .list(let items) = value, !items.isEmpty else {
            throw Failure(description: "\(origin): --vary \(text): the values must be a non-empty list, e.g. --vary '\(name)=[0.5, 0.8]'")
        }
        try addAxis(Axis(name: name, values: Array(items)), origin: origin)
    }

    public mutating func seeds(_ count: Int, origin: String) throws {
        guard count >= 1 else { throw Failure(description: "\(origin): --seeds must be at least 1, got \(count)") }
        try addAxis(Axis(name: Self.seedVariable, values: (0..<count).map { .number(Double($0)) }), origin: origin)
    }

    public mutating func share(_ text: String, over: [String], origin: String) throws {
        let (name, value) = try Self.split(text, origin: origin, option: "--shared")
        shared = (name, value)
        sharedOver = over
        origins["--shared"] = Self.shown(text, origin: origin, option: "--shared")
    }

    mutating func addAxis(_ axis: Axis, origin: String) throws {
        if axes.contains(where: { $0.name == axis.name }) {
            throw Failure(description: "\(origin): '\(axis.name)' is swept twice; give its values in one --vary")
        }
        if fixed.contains(where: { $0.name == axis.name }) {
            throw Failure(description: "\(origin): '\(axis.name)' is both fixed (--set) and swept (--vary); give it one way")
        }
        axes.append(axis)
    }

    static func split(_ text: String, origin: String, option: String) throws -> (String, Value) {
        guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
            throw Failure(description: "\(origin): \(option) expects NAME=VALUE, got '\(text)'")
        }
        let name = String(text[..<eq]), valueText = String(text[text.index(after: eq)...])
        do { return (name, try SetOption.parse(name: name, text: valueText)) } catch {
            throw Failure(description: "\(origin): \(error)")
        }
    }

    /// An option as the user gave it: `--set a=1` on the command line, `grid.txt:3: set a=1` in a file.
    static func shown(_ text: String, origin: String, option: String) -> String {
        origin.hasPrefix("--") ? "\(option) \(text)" : "\(origin): \(option.dropFirst(2)) \(text)"
    }

    /// The fixed values with their `{NAME}` references replaced by this point's values.
    static func resolved(_ fixed: [(name: String, value: Value)], swept: [(name: String, value: Value)]) -> [(name: String, value: Value)] {
        var values: [String: Value] = [:]
        for f in fixed { values[f.name] = f.value }
        for s in swept { values[s.name] = s.value }
        return fixed.map { (name: $0.name, value: SweepReference.resolve($0.value, with: values)) }
    }

    /// Every point, the last axis changing fastest.
    public var points: [SweepPoint] {
        var combos: [[Value]] = [[]]
        for axis in axes { combos = combos.flatMap { c in axis.values.map { c + [$0] } } }
        return combos.enumerated().map { i, values in
            let swept = zip(axes.map(\.name), values).map { (name: $0, value: $1) }
            return SweepPoint(index: i, swept: swept.map { ($0.name, $0.value) }, fixed: Self.resolved(fixed, swept: swept))
        }
    }

    /// The shared steps, one per combination of the `sharedOver` axes (other axes take their
    /// first value: the recipe reads every variable, but the shared step must not depend on them).
    public var sharedPoints: [SweepPoint] {
        guard let shared else { return [] }
        var seen = Set<String>()
        var out: [SweepPoint] = []
        for p in points {
            let key = p.swept.filter { sharedOver.contains($0.name) }
            let id = key.map { "\($0.name)=\($0.value.literal)" }.joined(separator: ",")
            guard seen.insert(id).inserted else { continue }
            let others = axes.filter { !sharedOver.contains($0.name) }.map { ($0.name, $0.values[0]) }
            let fixedPart = fixed.filter { $0.name != shared.name } + others.map { (name: $0.0, value: $0.1) } + [shared]
            out.append(SweepPoint(index: out.count, swept: key.map { ($0.name, $0.value) }, fixed: Self.resolved(fixedPart, swept: key), stage: "shared"))
        }
        return out
    }

    /// The shared step a point starts from, nil without one.
    public func sharedPoint(for point: SweepPoint) -> SweepPoint? {
        let key = point.swept.filter { sharedOver.contains($0.name) }.map { "\($0.name)=\($0.value.literal)" }
        return sharedPoints.first { $0.swept.map { "\($0.name)=\($0.value.literal)" } == key }
    }

    /// Checks names and that the points have distinct names.
    public func validate() throws {
        for name in sharedOver where !axes.contains(where: { $0.name == name }) {
            throw Failure(description: "--shared-over \(name): no swept variable has that name; swept: \(axes.map(\.name).joined(separator: ", "))")
        }
        if let shared, axes.contains(where: { $0.name == shared.name }) {
            throw Failure(description: "--shared \(shared.name)=...: '\(shared.name)' is swept; the shared step's variable must be one the points set with --set")
        }
        try validateReferences()
        var names: [String: SweepPoint] = [:]
        for p in points {
            if let other = names[p.name] {
                throw Failure(description: "points \(other.label) and \(p.label) get the same log name '\(p.name)'; make the values differ in letters or digits")
            }
            names[p.name] = p
        }
    }

    /// Every `{NAME}` in a `--set` or `--shared` value names another variable of the grid.
    func validateReferences() throws {
        var given = fixed.map { (key: $0.name, name: $0.name, value: $0.value) }
        if let shared { given.append((key: "--shared", name: shared.name, value: shared.value)) }
        for g in given {
            let known = axes.map(\.name) + fixed.map(\.name).filter { $0 != g.name }
            for name in SweepReference.names(in: g.value) where !known.contains(name) {
                let list = known.isEmpty ? "the grid has no other variable" : "it has " + known.joined(separator: ", ")
                throw Failure(description: "\(origins[g.key] ?? g.name): {\(name)} is not a variable of the grid (\(list)); a value refers to another with {NAME}")
            }
        }
    }
}

/// Variables of one function level: the script's top level, or one procedure call.
/// `if` and `for` blocks do not open scopes, so a loop can update an accumulator.
final class Scope {
    private var values: [String: Value] = [:]
    let parent: Scope?

    init(parent: Scope? = nil) {
        self.parent = parent
    }

    func lookup(_ name: String) -> Value? {
        if let value = values[name] { return value }
        return parent?.lookup(name)
    }

    func assign(_ name: String, _ value: Value) { values[name] = value }

    var names: [String] { Array(values.keys) + (parent?.names ?? []) }
    var snapshot: [String: Value] { values }
}

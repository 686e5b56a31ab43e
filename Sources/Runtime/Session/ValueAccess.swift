import Language

/// Reads of evaluated arguments and options through their declarations. The checker and the
/// interpreter have already enforced the signature's types and ranges and filled in defaults,
/// so these only convert.
extension VerbInvocation {
    subscript<T>(_ parameter: VerbParameter<T>) -> T {
        parameter.read((options[parameter.name] ?? namedArguments[parameter.name])?.checked)
    }

    subscript<T>(_ argument: RequiredArgument<T>) -> T {
        get throws {
            guard let value = argument.read(namedArguments[argument.name]?.checked) else {
                throw VerbError("'\(verb)' ran without its \(argument.name.uppercased()) argument")
            }
            return value
        }
    }
}

extension Record {
    init(_ pairs: KeyValuePairs<String, Double>) {
        self.init(pairs.map { ($0.key, Value.number($0.value)) })
    }
}

/// Binding of the lines of a model body (layer arguments, uses of other definitions), shared by
/// the build (ModelElaboration) and the checker's look at definitions that cannot be built yet.
enum ModelChecks {
    static func unknownLayer(_ name: Identifier, definitions: [String: ModelDecl]) -> Diagnostic {
        Diagnostic(code: .unknownVerb, message: "unknown layer '\(name.name)'", range: name.range,
                   help: Suggestions.help(for: name.name, among: ModelLayers.names + definitions.keys.sorted())
                       ?? "layers are: \(ModelLayers.names.joined(separator: ", ")); or use a model defined earlier")
    }

    /// Binds a layer's arguments by position and its options by name, checks each value against
    /// its slot's type, and fills defaults.
    static func bind(_ command: Command, to spec: LayerSpec,
                     evaluate: (LayerSpec.Slot, Expr) throws -> CheckedValue) throws -> LayerValues {
        var values: [String: CheckedValue] = [:]
        var given: Set<String> = []
        func take(_ slot: LayerSpec.Slot, _ expr: Expr) throws {
            var value = try evaluate(slot, expr)
            if case .string(let text) = value, slot.type.readsAsWord(text) { value = .word(text) }
            if let problem = slot.type.problem(with: value) {
                throw Diagnostic(code: problem.code, message: "'\(slot.name)' of \(spec.name) \(problem.message)", range: expr.range,
                                 help: value.wordOrString.flatMap { Suggestions.help(for: $0, among: slot.type.choiceWords) })
            }
            values[slot.name] = value
            given.insert(slot.name)
        }
        try structure(command, spec)
        for (slot, expr) in zip(spec.arguments, command.arguments) { try take(slot, expr) }
        for option in command.options {
            if let slot = spec.slot(named: option.name.name) { try take(slot, option.value) }
        }
        for slot in spec.arguments + spec.options where values[slot.name] == nil {
            if let value = slot.defaultValue { values[slot.name] = value }
        }
        return LayerValues(values: values, given: given)
    }

    /// Arity, option names and repeats of a layer line: everything known without values.
    static func structure(_ command: Command, _ spec: LayerSpec) throws {
        if command.arguments.count > spec.arguments.count {
            let expected = spec.arguments.isEmpty ? "no arguments" :
                "\(spec.arguments.count) argument\(spec.arguments.count == 1 ? "" : "s") (\(spec.arguments.map { $0.name.uppercased() }.joined(separator: " ")))"
            throw Diagnostic(code: .tooManyArguments, message: "\(spec.name) takes \(expected), found \(command.arguments.count)",
                             range: command.arguments[spec.arguments.count].range, help: "write: \(spec.synopsis)")
        }
        var seen: Set<String> = Set(spec.arguments.prefix(command.arguments.count).map(\.name))
        for option in command.options {
            let key = option.name.name
            guard spec.slot(named: key) != nil else {
                let names = (spec.arguments + spec.options).map(\.name)
                throw Diagnostic(code: .unknownOption, message: "\(spec.name) has no option '\(key)'", range: option.name.range,
                                 help: Suggestions.help(for: key, among: names) ?? "write: \(spec.synopsis)")
            }
            guard seen.insert(key).inserted else {
                throw Diagnostic(code: .duplicateOption, message: "'\(key)' of \(spec.name) is given twice", range: option.name.range)
            }
        }
        let missing = spec.arguments.filter { $0.defaultValue == nil && !seen.contains($0.name) }
        if !missing.isEmpty {
            throw Diagnostic(code: .missingArgument,
                             message: "\(spec.name) needs \(missing.map { $0.name.uppercased() }.joined(separator: " and "))",
                             range: command.verb.range, help: "write: \(spec.synopsis)")
        }
    }

    /// The parameters of a used definition: arguments by position, then by name, then defaults
    /// (evaluated in the callee's own scope, left to right).
    static func bindUse(_ command: Command, of callee: ModelDecl,
                        evaluate: (Expr) throws -> CheckedValue) throws -> [String: CheckedValue] {
        let name = callee.name.name
        let definedHere = [DiagnosticNote("'\(name)' is defined here", range: callee.name.range)]
        try useStructure(command, callee)
        var env: [String: CheckedValue] = [:]
        for (parameter, argument) in zip(callee.parameters, command.arguments) {
            env[parameter.name.name] = try evaluate(argument)
        }
        for option in command.options { env[option.name.name] = try evaluate(option.value) }
        for parameter in callee.parameters where env[parameter.name.name] == nil {
            guard let defaultValue = parameter.defaultValue else {
                throw Diagnostic(code: .missingArgument, message: "model '\(name)' needs '\(parameter.name.name)'",
                                 range: command.verb.range, notes: definedHere)
            }
            env[parameter.name.name] = try ModelElaboration.evaluate(defaultValue, env)
        }
        return env
    }

    static func useStructure(_ command: Command, _ callee: ModelDecl) throws {
        let name = callee.name.name
        let definedHere = [DiagnosticNote("'\(name)' is defined here", range: callee.name.range)]
        let parameters = callee.parameters.map(\.name.name)
        if command.arguments.count > parameters.count {
            throw Diagnostic(code: .tooManyArguments,
                             message: "model '\(name)' takes \(parameters.count) argument\(parameters.count == 1 ? "" : "s"), found \(command.arguments.count)",
                             range: command.arguments[parameters.count].range, notes: definedHere)
        }
        var supplied = Set(parameters.prefix(command.arguments.count))
        for option in command.options {
            let key = option.name.name
            guard parameters.contains(key) else {
                throw Diagnostic(code: .unknownOption, message: "model '\(name)' has no parameter '\(key)'", range: option.name.range,
                                 notes: definedHere, help: Suggestions.help(for: key, among: parameters))
            }
            guard supplied.insert(key).inserted else {
                throw Diagnostic(code: .duplicateOption, message: "parameter '\(key)' of '\(name)' is given twice", range: option.name.range)
            }
        }
    }

    /// What can be checked in a definition before its widths are known: layer names, their
    /// arities and options, uses of other definitions, names in expressions. Every problem is
    /// reported (each line is independent of the others here).
    static func structure(of decl: ModelDecl, definitions: [String: ModelDecl]) -> [Diagnostic] {
        var problems: [Diagnostic] = []
        var known = Set(decl.parameters.map(\.name.name))
        func names(in expr: Expr, wordsAllowed: (String) -> Bool = { _ in false }) {
            switch expr.kind {
            case .name(let name):
                if !known.contains(name), !wordsAllowed(name) {
                    problems.append(Diagnostic(code: .undefinedName, message: "'\(name)' is not a parameter or 'let' of this model",
                                               range: expr.range,
                                               help: Suggestions.help(for: name, among: known.sorted()) ?? "model bodies see only their own parameters and lets"))
                }
            case .list(let items): items.forEach { names(in: $0) }
            case .unary(_, let operand): names(in: operand)
            case .binary(_, let l, let r):
                names(in: l)
                names(in: r)
            case .field, .command:
                problems.append(Diagnostic(code: .typeMismatch, message: "a model definition cannot run commands or read records",
                                           range: expr.range, help: "compute the value before the model and pass it as a parameter"))
            default: break
            }
        }
        func walk(_ statements: [LayerStmt]) {
            for statement in statements {
                switch statement.kind {
                case .letBinding(let name, let value):
                    names(in: value)
                    known.insert(name.name)
                case .repeatBlock(let count, let body):
                    names(in: count)
                    walk(body)
                case .residual(let options, let body):
                    for option in options {
                        if option.name.name != "shortcut" {
                            problems.append(Diagnostic(code: .unknownOption, message: "'residual' has no option '\(option.name.name)'",
                                                       range: option.name.range, help: "residual takes shortcut=identity|conv|pad"))
                        } else {
                            names(in: option.value) { word in ModelLayers.shortcuts.contains { $0.word == word } }
                        }
                    }
                    walk(body)
                case .layer(let command):
                    do {
                        if let spec = ModelLayers.byName[command.verb.name] {
                            try structure(command, spec)
                            for (slot, expr) in zip(spec.arguments, command.arguments) {
                                names(in: expr) { slot.type.readsAsWord($0) }
                            }
                            for option in command.options {
                                let slot = spec.slot(named: option.name.name)
                                names(in: option.value) { slot?.type.readsAsWord($0) ?? false }
                            }
                        } else if let callee = definitions[command.verb.name] {
                            if !callee.isMalformed { try useStructure(command, callee) }
                            command.arguments.forEach { names(in: $0) }
                            command.options.forEach { names(in: $0.value) }
                        } else {
                            throw unknownLayer(command.verb, definitions: definitions)
                        }
                    } catch let diagnostic as Diagnostic {
                        problems.append(diagnostic)
                    } catch {}
                }
            }
        }
        walk(decl.body)
        return problems
    }
}

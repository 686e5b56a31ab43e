/// Checks of commands: verbs against their signatures, calls of user procedures, and the
/// order of steps (a verb's `requires` against facts earlier steps may have provided).
extension Checker {
    /// Checks a command and returns the static type of its result.
    func checkCommand(_ command: Command, asValue: Bool) -> StaticType {
        let name = command.verb.name
        if let signature = verbs[name], procedures[name] == nil {
            checkVerbCall(command, signature)
            return signature.resultFields.isEmpty ? .unknown : .record(verb: name)
        }
        if let shape = procedures[name] {
            checkProcedureCall(command, shape)
            return .unknown
        }
        // `(x)` around a variable is just the variable.
        if asValue, command.arguments.isEmpty, command.options.isEmpty, let type = lookup(name) {
            return type
        }
        var notes: [DiagnosticNote] = []
        var help = Suggestions.help(for: name, among: verbs.names + procedures.keys.sorted())
        if lookup(name) != nil {
            help = "'\(name)' is a variable; show it with: print \(name)"
        } else if let later = laterDefinitions[name] {
            notes.append(DiagnosticNote("'\(name)' is defined later", range: later))
            help = help ?? "move the 'def' above its first use"
        }
        // The arguments of an unknown command are not checked: their meaning depends on the verb.
        error(.unknownVerb, "unknown command '\(name)'", command.verb.range, notes: notes,
              help: help ?? "see the list of verbs with :help")
        return .unknown
    }

    func checkVerbCall(_ command: Command, _ signature: VerbSignature) {
        let verb = signature.name
        for (index, argument) in command.arguments.enumerated() {
            guard index < signature.arguments.count else {
                let allowed = signature.arguments.map { $0.name.uppercased() }
                let list = allowed.isEmpty ? "no positional arguments" :
                    "at most \(allowed.count) (\(allowed.joined(separator: ", ")))"
                error(.tooManyArguments, "'\(verb)' takes \(list)", argument.range,
                      help: "usage: \(signature.synopsis)")
                break
            }
            let spec = signature.arguments[index]
            checkValue(argument, spec.type, label: "\(spec.name.uppercased()) of '\(verb)'", noun: spec.noun)
        }
        if command.arguments.count < signature.arguments.count {
            let missing = signature.arguments[command.arguments.count...].filter { !$0.isOptional }
            if let first = missing.first {
                error(.missingArgument,
                      "'\(verb)' needs \(first.name.uppercased()) (\(first.type.description))",
                      command.verb.range, help: "usage: \(signature.synopsis)")
            }
        }
        var given: [String: SourceRange] = [:]
        let variant = signature.constantSelector(command)
        for option in command.options {
            let optionName = option.name.name
            let spec: OptionSpec
            switch signature.resolveOption(optionName, variant: variant) {
            case .spec(let found): spec = found
            case .unknown(let message, let help):
                error(.unknownOption, message, option.name.range, help: help)
                continue
            }
            if let first = given[optionName] {
                error(.duplicateOption, "option '\(optionName)' is given twice", option.name.range,
                      notes: [DiagnosticNote("first given here", range: first)])
                continue
            }
            given[optionName] = option.name.range
            if let narrowed = Self.variantWord(option.value, spec),
               let problem = signature.narrowingProblem(spec, variant: variant, value: narrowed) {
                error(.unknownWord, problem.message, option.value.range, help: problem.help)
                continue
            }
            checkValue(option.value, spec.type, label: "'\(optionName)'", noun: spec.noun)
        }
        checkOrder(command, signature)
        facts.formUnion(signature.provides)
        for option in command.options { facts.formUnion(signature.option(named: option.name.name)?.provides ?? []) }
    }

    /// A constant word written for an option (`granularity=weights`), for the variant check.
    static func variantWord(_ value: Expr, _ spec: OptionSpec) -> CheckedValue? {
        switch value.kind {
        case .name(let n): return .word(n)
        case .string(let s): return .word(s)
        default: return nil
        }
    }

    /// Order facts are checked at top level only: inside a procedure the caller's state is unknown.
    func checkOrder(_ command: Command, _ signature: VerbSignature) {
        guard locals == nil else { return }
        let missing = signature.requires.filter { !facts.contains($0) }
        guard let fact = missing.first else { return }
        let providers = verbs.signatures.filter { $0.provides.contains(fact) }.map(\.name)
        let help = providers.isEmpty ? nil :
            "add a '\(providers[0])' step before this line"
        error(.missingPrerequisite,
              "'\(signature.name)' needs \(missing.joined(separator: " and ")), but no earlier step provides \(missing.count == 1 ? "it" : "them")",
              command.verb.range, help: help)
    }

    /// Checks one argument or option value against its type: constants fully, other
    /// expressions by their static type. A bare name reads as a word where the type lists it.
    func checkValue(_ value: Expr, _ type: ValueType, label: String, noun: String?) {
        if case .name(let name) = value.kind {
            if type.readsAsWord(name) { return }
            if let variableType = lookup(name) {
                reportMismatch(variableType, type, label: label, range: value.range)
                return
            }
            if type.acceptsWords {
                let words = type.choiceWords
                let message = noun.map { "unknown \($0) '\(name)'" } ?? "\(label) does not accept '\(name)'"
                error(.unknownWord, message, value.range,
                      help: Suggestions.help(for: name, among: words + visibleNames)
                        ?? "choose one of: " + words.joined(separator: ", "))
                return
            }
        }
        if let constant = Checker.constant(value) {
            guard let problem = type.problem(with: constant) else { return }
            switch problem {
            case .unknownWord(let word, let allowed):
                let message = noun.map { "unknown \($0) '\(word)'" } ?? "\(label) does not accept '\(word)'"
                error(.unknownWord, message, value.range,
                      help: Suggestions.help(for: word, among: allowed) ?? "choose one of: " + allowed.joined(separator: ", "))
            case .outOfRange:
                error(.outOfRange, "\(label) \(problem.message)", value.range)
            case .wrongType:
                error(.typeMismatch, "\(label) \(problem.message)", value.range)
            }
            return
        }
        reportMismatch(typeOf(value), type, label: label, range: value.range)
    }

    func reportMismatch(_ found: StaticType, _ type: ValueType, label: String, range: SourceRange) {
        guard !found.couldSatisfy(type) else { return }
        error(.typeMismatch, "\(label) expects \(type.description), found \(found.display)", range)
    }

    /// The value of a constant expression (literals, folded negatives, lists of constants).
    static func constant(_ expr: Expr) -> CheckedValue? {
        switch expr.kind {
        case .number(let v): return .number(v)
        case .string(let s): return .string(s)
        case .bool(let b): return .bool(b)
        case .list(let elements):
            var values: [CheckedValue] = []
            for element in elements {
                guard let value = constant(element) else { return nil }
                values.append(value)
            }
            return .list(values)
        default: return nil
        }
    }

    func checkProcedureCall(_ command: Command, _ shape: ProcedureShape) {
        if locals == nil { facts.formUnion(shape.provides) }
        // Bare names that are not variables are passed as words, as to a verb's word arguments.
        for argument in command.arguments {
            if case .name(let name) = argument.kind, lookup(name) == nil { continue }
            _ = typeOf(argument)
        }
        for option in command.options {
            if case .name(let name) = option.value.kind, lookup(name) == nil { continue }
            _ = typeOf(option.value)
        }
        guard !shape.isMalformed else { return }
        let name = shape.name
        if command.arguments.count > shape.parameters.count {
            error(.tooManyArguments,
                  "procedure '\(name)' takes \(shape.parameters.count) argument\(shape.parameters.count == 1 ? "" : "s"), found \(command.arguments.count)",
                  command.arguments[shape.parameters.count].range,
                  notes: [DiagnosticNote("'\(name)' is defined here", range: shape.declaredAt)])
            return
        }
        var supplied = Set(shape.parameters.prefix(command.arguments.count))
        for option in command.options {
            let key = option.name.name
            guard shape.parameters.contains(key) else {
                error(.unknownOption, "procedure '\(name)' has no parameter '\(key)'", option.name.range,
                      notes: [DiagnosticNote("'\(name)' is defined here", range: shape.declaredAt)],
                      help: Suggestions.help(for: key, among: shape.parameters))
                continue
            }
            if !supplied.insert(key).inserted {
                error(.duplicateOption, "parameter '\(key)' of '\(name)' is given twice", option.name.range)
            }
        }
        let missing = shape.parameters.filter { shape.requiredNames.contains($0) && !supplied.contains($0) }
        if !missing.isEmpty {
            error(.missingArgument,
                  "procedure '\(name)' needs \(missing.map { "'\($0)'" }.joined(separator: ", "))",
                  command.verb.range,
                  notes: [DiagnosticNote("'\(name)' is defined here", range: shape.declaredAt)])
        }
    }
}

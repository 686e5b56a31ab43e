/// Checks of commands: verbs against their signatures, calls of user procedures, and the
/// order of steps (a verb's `requires` against facts earlier steps may have provided).
extension Checker {
    /// Checks a command and returns the static type of its result.
    func checkCommand(_ command: Command, asValue: Bool) -> StaticType {
        let name = command.verb.name
        if let (signature, split) = definedModelLoad(command) {
            checkModelLoad(command, signature, split)
            return .record(verb: name)
        }
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
        var selectorComputed = false
        let binding = ArgumentBinding.bind(command, to: signature) { slot in
            let word = slot.constantWord
            if word == nil { selectorComputed = true }
            return word
        }
        diagnostics.append(contentsOf: binding.problems)
        if !selectorComputed { bindings[command.range] = binding }
        for slot in binding.arguments + binding.options {
            if let written = slot.written { checkValue(written, slot, binding) }
        }
        checkOrder(command, signature)
        trackProperties(command, binding)
        facts.formUnion(signature.provides)
        for option in command.options { facts.formUnion(signature.option(named: option.name.name)?.provides ?? []) }
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

    /// Checks the value written for a parameter: constants fully (with the binding's own
    /// messages, the ones the interpreter gives for computed values), other expressions by their
    /// static type. A bare name reads as a word where the type lists it.
    func checkValue(_ value: Expr, _ slot: ArgumentBinding.Slot, _ binding: ArgumentBinding) {
        if case .name(let name) = value.kind {
            if slot.readType.readsAsWord(name) {
                if let problem = binding.problem(slot, .word(name), at: value.range) { diagnostics.append(problem) }
                return
            }
            if let variableType = lookup(name) {
                reportMismatch(variableType, slot.type, label: slot.label, range: value.range)
                return
            }
            if slot.type.acceptsWords {
                let words = slot.type.choiceWords
                diagnostics.append(ArgumentBinding.unknownWord(name, slot: slot, allowed: words,
                                                               among: words + visibleNames, at: value.range))
                return
            }
        }
        if var constant = Checker.constant(value) {
            if case .string(let text) = constant, slot.readsAsWord(text) { constant = .word(text) }
            if let problem = binding.problem(slot, constant, at: value.range) { diagnostics.append(problem) }
            return
        }
        reportMismatch(typeOf(value), slot.type, label: slot.label, range: value.range)
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
        if locals == nil {
            facts.formUnion(shape.provides)
            forgetProperties(providedBy: shape.provides)
        }
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

import Engine
import Language

/// Commands: verbs through their handlers, user procedures through a new scope.
extension Interpreter {
    func call(_ command: Command, in scope: Scope) throws -> Value {
        let name = command.verb.name
        if let decl = procedures[name] { return try callProcedure(decl, command, in: scope) }
        guard let signature = registry.table[name] else {
            throw failure(.unknownVerb, "unknown command '\(name)'", command.verb.range,
                          help: Suggestions.help(for: name, among: registry.table.names + procedures.keys.sorted()))
        }
        var invocation: VerbInvocation
        if procedures[name] == nil, let split = ModelLoad.split(command, signature: signature, models: models) {
            invocation = try prepare(split.load, signature, in: scope)
            invocation.definedModel = try definedModelCall(split, command, in: scope)
        } else {
            invocation = try prepare(command, signature, in: scope)
            // `load m` with m a variable naming a definition builds it with its defaults.
            if name == ModelLoad.verb, procedures[name] == nil, let text = invocation.arguments.first?.text, models[text] != nil {
                invocation.definedModel = DefinedModelCall(definitions: models, name: text, arguments: [:], site: command.range)
            }
        }
        guard let handler = registry.handler(for: name) else {
            throw failure(.verbFailed, "'\(name)' is not available in this build", command.verb.range)
        }
        let value: Value
        running.set("\(command.range.file):\(command.range.start.line): \(name)")
        defer { running.set(nil) }
        do {
            value = try handler.run(invocation)
        } catch let error as Interrupted {
            throw failure(.cancelled, error.description, command.range)
        } catch let error as VerbError {
            throw failure(error.code, error.message, command.range,
                          notes: error.notes.map { DiagnosticNote($0) }, help: error.help)
        } catch let error as RuntimeFailure {
            throw error
        } catch {
            throw failure(ErrorCodes.code(for: error), "'\(name)' failed: \(error)", command.range)
        }
        results.append(CommandResult(verb: name, range: command.range, value: value))
        return value
    }

    /// The parameters a `load NAME` gives a defined model, evaluated (the checker has already
    /// refused names the definition does not have when they were written as constants).
    func definedModelCall(_ split: ModelLoad, _ command: Command, in scope: Scope) throws -> DefinedModelCall {
        let decl = split.decl
        let declared = decl.parameters.map(\.name.name)
        var arguments: [String: (value: CheckedValue, range: SourceRange)] = [:]
        for option in split.parameters {
            let key = option.name.name
            guard declared.contains(key) else {
                throw failure(.unknownOption, "model '\(decl.name.name)' has no parameter '\(key)', and load has no option '\(key)'",
                              option.name.range, help: Suggestions.help(for: key, among: declared))
            }
            arguments[key] = (try evaluate(option.value, in: scope).checked, option.value.range)
        }
        return DefinedModelCall(definitions: models, name: decl.name.name, arguments: arguments, site: command.range)
    }

    /// Runs the checker's binding of the command: evaluates the written values, holds each to its
    /// parameter, and lets defaults fill the rest.
    func prepare(_ command: Command, _ signature: VerbSignature, in scope: Scope) throws -> VerbInvocation {
        if let binding = bindings[command.range], binding.signature.name == signature.name {
            return try invocation(binding, command, in: scope)
        }
        return try bindAtRunTime(command, signature, in: scope)
    }

    /// Binds a command the checker left unbound because its selector word is computed (`score m`
    /// with `m` a variable): only the value says which options are valid and which defaults apply.
    /// It is the checker's own function, so a mistake gets the same message from either.
    private func bindAtRunTime(_ command: Command, _ signature: VerbSignature, in scope: Scope) throws -> VerbInvocation {
        runTimeBindings += 1
        // The selector is evaluated while binding (its word decides the options), and only once.
        var selectorValue: (name: String, value: Value)?
        let binding = try ArgumentBinding.bind(command, to: signature) { slot in
            let value = try slotValue(slot, in: scope) {
                ArgumentBinding.problem(slot, $0, at: $1, signature: signature, variant: nil)
            }
            selectorValue = (slot.name, value)
            return value.text
        }
        return try invocation(binding, command, in: scope, selector: selectorValue)
    }

    /// The invocation a binding describes; `selector` is the selector's value when binding already evaluated it.
    private func invocation(_ binding: ArgumentBinding, _ command: Command, in scope: Scope,
                            selector: (name: String, value: Value)? = nil) throws -> VerbInvocation {
        if let problem = binding.problems.first { throw RuntimeFailure(problem) }
        func value(_ slot: ArgumentBinding.Slot) throws -> Value {
            if let selector, selector.name == slot.name { return selector.value }
            return try slotValue(slot, in: scope) { binding.problem(slot, $0, at: $1) }
        }
        var arguments: [Value] = []
        var named: [String: Value] = [:]
        for slot in binding.arguments {
            let v = try value(slot)
            arguments.append(v)
            named[slot.name] = v
        }
        var options: [String: Value] = [:]
        var given: Set<String> = []
        for slot in binding.options {
            options[slot.name] = try value(slot)
            if slot.written != nil { given.insert(slot.name) }
        }
        return VerbInvocation(verb: binding.signature.name, arguments: arguments, namedArguments: named, options: options,
                              givenOptions: given, range: command.range)
    }

    /// The value of one parameter: its default, or the written expression evaluated (a bare name
    /// the type lists is a word; a string naming a listed word becomes that word) and checked.
    private func slotValue(_ slot: ArgumentBinding.Slot, in scope: Scope,
                           check: (CheckedValue, SourceRange) -> Diagnostic?) throws -> Value {
        guard let expr = slot.written else {
            guard let defaultValue = slot.defaultValue else { return .none }
            return Value(defaultValue)
        }
        var value: Value
        if case .name(let name) = expr.kind, slot.readType.readsAsWord(name) {
            value = .word(name)
        } else {
            value = try evaluate(expr, in: scope)
        }
        if case .string(let text) = value, slot.readsAsWord(text) { value = .word(text) }
        if let problem = check(value.checked, expr.range) { throw RuntimeFailure(problem) }
        return value
    }

    func callProcedure(_ decl: ProcedureDecl, _ command: Command, in scope: Scope) throws -> Value {
        let name = decl.name.name
        guard callDepth < Interpreter.maxCallDepth else {
            throw failure(.recursionTooDeep, "procedure calls nested more than \(Interpreter.maxCallDepth) deep",
                          command.verb.range, help: "check '\(name)' for recursion without an end")
        }
        guard command.arguments.count <= decl.parameters.count else {
            throw failure(.tooManyArguments, "procedure '\(name)' takes \(decl.parameters.count) arguments",
                          command.arguments[decl.parameters.count].range)
        }
        let local = Scope(parent: globals)
        var bound: Set<String> = []
        for (parameter, argument) in zip(decl.parameters, command.arguments) {
            local.assign(parameter.name.name, try procedureArgument(argument, in: scope))
            bound.insert(parameter.name.name)
        }
        for option in command.options {
            guard decl.parameters.contains(where: { $0.name.name == option.name.name }) else {
                throw failure(.unknownOption, "procedure '\(name)' has no parameter '\(option.name.name)'",
                              option.name.range)
            }
            local.assign(option.name.name, try procedureArgument(option.value, in: scope))
            bound.insert(option.name.name)
        }
        // From here on the procedure's own source runs (its defaults, its body): the arguments above
        // were the caller's.
        let callerBindings = bindings
        bindings = procedureBindings[name] ?? [:]
        defer { bindings = callerBindings }
        // Defaults are evaluated at call time, in the procedure's scope, in parameter order.
        for parameter in decl.parameters where !bound.contains(parameter.name.name) {
            guard let defaultValue = parameter.defaultValue else {
                throw failure(.missingArgument, "procedure '\(name)' needs '\(parameter.name.name)'", command.verb.range)
            }
            local.assign(parameter.name.name, try procedureArgument(defaultValue, in: local))
        }
        callDepth += 1
        defer { callDepth -= 1 }
        do {
            if case .returned(let value) = try execute(decl.body, in: local) { return value }
            return .none
        } catch let failure as RuntimeFailure where failure.diagnostic.code != .recursionTooDeep {
            // Name the call site, so an error inside a procedure also points at the caller.
            var diagnostic = failure.diagnostic
            diagnostic.notes.append(DiagnosticNote("in '\(name)' called here", range: command.range))
            throw RuntimeFailure(diagnostic)
        }
    }

    /// Arguments of procedure calls: a bare name that is not a variable is passed as a word.
    private func procedureArgument(_ expr: Expr, in scope: Scope) throws -> Value {
        if case .name(let name) = expr.kind, scope.lookup(name) == nil { return .word(name) }
        return try evaluate(expr, in: scope)
    }
}

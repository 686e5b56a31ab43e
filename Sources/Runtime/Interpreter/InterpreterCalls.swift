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
        let invocation = try prepare(command, signature, in: scope)
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

    /// Evaluates arguments and options, checks them against the signature, fills defaults.
    func prepare(_ command: Command, _ signature: VerbSignature, in scope: Scope) throws -> VerbInvocation {
        let verb = signature.name
        guard command.arguments.count <= signature.arguments.count else {
            throw failure(.tooManyArguments, "'\(verb)' takes at most \(signature.arguments.count) arguments",
                          command.arguments[signature.arguments.count].range, help: "usage: \(signature.synopsis)")
        }
        var arguments: [Value] = []
        var named: [String: Value] = [:]
        for (index, spec) in signature.arguments.enumerated() {
            let value: Value
            if index < command.arguments.count {
                value = try argumentValue(command.arguments[index], spec.type,
                                          label: "\(spec.name.uppercased()) of '\(verb)'", noun: spec.noun, in: scope)
            } else if let defaultValue = spec.defaultValue {
                value = Value(defaultValue)
            } else if spec.isOptional {
                continue
            } else {
                throw failure(.missingArgument, "'\(verb)' needs \(spec.name.uppercased()) (\(spec.type.description))",
                              command.verb.range, help: "usage: \(signature.synopsis)")
            }
            arguments.append(value)
            named[spec.name] = value
        }
        var options: [String: Value] = [:]
        var given: Set<String> = []
        // The selector's word (`score METHOD`, `train penalty=NAME`) decides which options are valid.
        var variant: String?
        var selectorOption: OptionArgument?
        if let selector = signature.variantSelector {
            if let value = named[selector] {
                variant = value.text
            } else if let spec = signature.options.first(where: { $0.name == selector }) {
                if let option = command.options.first(where: { $0.name.name == selector }) {
                    let value = try argumentValue(option.value, spec.type, label: "'\(selector)'", noun: spec.noun, in: scope)
                    options[selector] = value
                    given.insert(selector)
                    variant = value.text
                    selectorOption = option
                } else if case .word(let word)? = spec.defaultValue {
                    variant = word
                }
            }
        }
        for option in command.options where option.name.range != selectorOption?.name.range {
            let spec: OptionSpec
            switch signature.resolveOption(option.name.name, variant: variant) {
            case .spec(let found): spec = found
            case .unknown(let message, let help): throw failure(.unknownOption, message, option.name.range, help: help)
            }
            // A variant may narrow a shared choice: the value is read as the verb reads it, then
            // held to the variant's narrower list.
            let shared = signature.options.first { $0.name == spec.name } ?? spec
            let value = try argumentValue(option.value, shared.type, label: "'\(spec.name)'", noun: spec.noun, in: scope)
            if let problem = signature.narrowingProblem(spec, variant: variant, value: value.checked) {
                throw failure(.unknownWord, problem.message, option.value.range, help: problem.help)
            }
            if shared != spec { try validate(value, spec.type, label: "'\(spec.name)'", noun: spec.noun, at: option.value.range) }
            options[spec.name] = value
            given.insert(spec.name)
        }
        for spec in variant.flatMap(signature.options(forVariant:)) ?? signature.options where options[spec.name] == nil {
            if let defaultValue = spec.defaultValue { options[spec.name] = Value(defaultValue) }
        }
        return VerbInvocation(verb: verb, arguments: arguments, namedArguments: named, options: options,
                              givenOptions: given, range: command.range)
    }

    /// A bare name reads as a word where the type lists it (`global`), otherwise as a variable.
    /// A string naming a listed word becomes that word, so `let m = "mipp"; score m` works.
    func argumentValue(_ expr: Expr, _ type: ValueType, label: String, noun: String?, in scope: Scope) throws -> Value {
        var value: Value
        if case .name(let name) = expr.kind, type.readsAsWord(name) {
            value = .word(name)
        } else {
            value = try evaluate(expr, in: scope)
        }
        if case .string(let text) = value, type.readsAsWord(text), type.problem(with: .string(text)) != nil {
            value = .word(text)
        }
        try validate(value, type, label: label, noun: noun, at: expr.range)
        return value
    }

    /// Holds an evaluated value to a type, with the messages the checker gives for constants.
    func validate(_ value: Value, _ type: ValueType, label: String, noun: String?, at range: SourceRange) throws {
        guard let problem = type.problem(with: value.checked) else { return }
        switch problem {
        case .unknownWord(let word, let allowed):
            let message = noun.map { "unknown \($0) '\(word)'" } ?? "\(label) does not accept '\(word)'"
            throw failure(.unknownWord, message, range,
                          help: Suggestions.help(for: word, among: allowed) ?? "choose one of: " + allowed.joined(separator: ", "))
        case .outOfRange:
            throw failure(.outOfRange, "\(label) \(problem.message)", range)
        case .wrongType:
            throw failure(.runtimeType, "\(label) \(problem.message)", range)
        }
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

/// Model definitions before the run: each definition's lines are checked where it stands, it
/// is built (every shape checked) when its parameters all have defaults and it declares its
/// input, and every `load NAME` with constant parameters builds it with those.
extension Checker {
    static let loadVerb = ModelLoad.verb

    func checkModel(_ decl: ModelDecl) {
        let name = decl.name.name
        if blockDepth > 0 || locals != nil {
            error(.misplacedDefinition, "'model' must be at the top level of a file", decl.name.range,
                  help: "move the definition out of the enclosing block")
            return
        }
        let load = verbs[Self.loadVerb]
        let zooNames = load?.arguments.first?.type.choiceWords ?? []
        if zooNames.contains(name) {
            error(.duplicateDefinition, "model '\(name)' would hide the zoo's '\(name)'", decl.name.range,
                  help: "choose another name, e.g. '\(name)-def'")
            return
        }
        if ModelLayers.byName[name] != nil {
            error(.duplicateDefinition, "model '\(name)' would hide the layer '\(name)'", decl.name.range, help: "choose another name")
            return
        }
        if let earlier = models[name], earlier.name.range.file == decl.name.range.file, earlier.name.range != decl.name.range {
            error(.duplicateDefinition, "model '\(name)' is defined twice", decl.name.range,
                  notes: [DiagnosticNote("first defined here", range: earlier.name.range)])
            return
        }
        var seen: Set<String> = []
        var parametersOK = true
        for parameter in decl.parameters {
            let p = parameter.name.name
            if !seen.insert(p).inserted {
                error(.duplicateDefinition, "parameter '\(p)' appears twice", parameter.name.range)
                parametersOK = false
            } else if let option = load?.option(named: p), !ModelLoad.zooOnlyOptions.contains(p) {
                error(.duplicateDefinition, "parameter '\(p)' would hide load's option '\(option.name)'", parameter.name.range,
                      help: "choose another name, e.g. '\(p)_'")
                parametersOK = false
            }
        }
        for option in decl.options where option.name.name != "input" {
            error(.unknownOption, "a model definition has no option '\(option.name.name)'", option.name.range,
                  help: Suggestions.help(for: option.name.name, among: ["input"]) ?? "the header takes input=[C, H, W] or input=[FEATURES]")
            parametersOK = false
        }
        models[name] = decl
        for problem in ModelChecks.structure(of: decl, definitions: models) { report(problem) }
        if let cycle = usesItself(decl) {
            report(Diagnostic(code: .recursiveModel, message: "model '\(name)' uses itself: \(cycle.chain)", range: cycle.at,
                              notes: [DiagnosticNote("'\(name)' is defined here", range: decl.name.range)],
                              help: "a model may use other models, never itself; write repeated stages with 'repeat N { ... }'"))
            return
        }
        // Built now when nothing is missing: a definition in a library is checked even if no script loads it.
        guard parametersOK, !decl.isMalformed, decl.input != nil, decl.parameters.allSatisfy({ $0.defaultValue != nil }),
              !diagnostics.contains(where: { $0.isError && decl.range.contains($0.range) }) else { return }
        if case .failure(let problem) = ModelElaboration.build(ModelRequest(name: name, site: decl.name.range, purpose: nil),
                                                               definitions: models) {
            report(problem)
        }
    }

    /// A use of the definition inside its own body, through any chain of other definitions.
    private func usesItself(_ decl: ModelDecl) -> (chain: String, at: SourceRange)? {
        var visited: Set<String> = []
        func uses(_ body: [LayerStmt]) -> [Command] {
            body.flatMap { statement -> [Command] in
                switch statement.kind {
                case .layer(let command): return models[command.verb.name] != nil && ModelLayers.byName[command.verb.name] == nil ? [command] : []
                case .repeatBlock(_, let inner), .residual(_, let inner): return uses(inner)
                case .letBinding: return []
                }
            }
        }
        func search(_ current: ModelDecl, _ path: [String], _ firstUse: SourceRange?) -> (String, SourceRange)? {
            for command in uses(current.body) {
                let callee = command.verb.name
                let at = firstUse ?? command.verb.range
                if callee == decl.name.name { return ((path + [callee]).joined(separator: " -> "), at) }
                guard visited.insert(callee).inserted, let next = models[callee] else { continue }
                if let found = search(next, path + [callee], at) { return found }
            }
            return nil
        }
        return search(decl, [decl.name.name], nil)
    }

    func definedModelLoad(_ command: Command) -> (VerbSignature, ModelLoad)? {
        guard command.verb.name == Self.loadVerb, procedures[Self.loadVerb] == nil, let signature = verbs[Self.loadVerb],
              let split = ModelLoad.split(command, signature: signature, models: models) else { return nil }
        return (signature, split)
    }

    func checkModelLoad(_ command: Command, _ signature: VerbSignature, _ split: ModelLoad) {
        let decl = split.decl
        let name = decl.name.name
        checkVerbCall(split.load, signature)
        for option in split.load.options where ModelLoad.zooOnlyOptions.contains(option.name.name) {
            error(.unknownOption, "'\(option.name.name)' is an option of zoo models; '\(name)' is defined in the script", option.name.range,
                  notes: [DiagnosticNote("'\(name)' is defined here", range: decl.name.range)],
                  help: decl.parameters.isEmpty ? "change the definition instead" :
                      "set the definition's parameters instead: \(decl.parameters.map { "\($0.name.name)=" }.joined(separator: ", "))")
        }
        var arguments: [String: (value: CheckedValue, range: SourceRange)] = [:]
        var allConstant = !decl.isMalformed
        let declared = decl.parameters.map(\.name.name)
        var problems = false
        for option in split.parameters {
            let key = option.name.name
            guard declared.contains(key) else {
                error(.unknownOption, "model '\(name)' has no parameter '\(key)', and load has no option '\(key)'", option.name.range,
                      notes: [DiagnosticNote("'\(name)' is defined here", range: decl.name.range)],
                      help: Suggestions.help(for: key, among: declared + signature.allOptions.map(\.name)))
                problems = true
                continue
            }
            if arguments[key] != nil {
                error(.duplicateOption, "parameter '\(key)' of '\(name)' is given twice", option.name.range)
                problems = true
            }
            if let constant = Checker.constant(option.value) {
                arguments[key] = (constant, option.value.range)
            } else {
                _ = typeOf(option.value)
                allConstant = false
            }
        }
        guard !problems, allConstant, decl.input != nil else { return }
        let request = ModelRequest(name: name, arguments: arguments, site: command.range,
                                   purpose: "while building '\(name)' for this load")
        if case .failure(let problem) = ModelElaboration.build(request, definitions: models) { report(problem) }
    }
}

/// `import "file.prn"`: resolve through the injected resolver, check the file once with a
/// fresh top-level scope, then make its definitions visible to the importer.
extension Checker {
    func checkImport(_ path: String, pathRange: SourceRange, statement: Stmt) {
        if blockDepth > 0 || locals != nil {
            error(.misplacedDefinition, "'import' must be at the top level of a file", statement.range,
                  help: "move the import to the top of the file")
            return
        }
        guard let resolver else {
            error(.importNotFound, "cannot import '\(path)': imports are not available here", pathRange)
            return
        }
        let importer = sources.first { $0.name == pathRange.file } ?? SourceFile(name: pathRange.file, text: "")
        let source: SourceFile
        switch resolver.resolve(path, from: importer) {
        case .found(let file):
            source = file
        case .notFound(let searched):
            error(.importNotFound, "cannot find '\(path)'", pathRange,
                  notes: searched.map { DiagnosticNote("looked in \($0)") },
                  help: "check the file name; imports are searched next to the script, then in stdlib/")
            return
        case .refused(let reason):
            error(.importNotFound, "cannot import '\(path)': \(reason)", pathRange)
            return
        case .invalid(let diagnostic):
            diagnostics.append(diagnostic)
            return
        }
        let name = source.name
        importTargets[pathRange] = name
        if let chainStart = importStack.firstIndex(of: name) {
            let chain = (importStack[chainStart...] + [name]).joined(separator: " -> ")
            error(.importCycle, "import cycle: \(chain)", pathRange,
                  help: "move the shared definitions into a third file that both import")
            return
        }
        if moduleExports[name] == nil, !importedFiles.contains(name) {
            checkModule(source)
        }
        importedFiles.insert(name)
        if let exports = moduleExports[name] {
            globals.merge(exports.variables) { _, imported in imported }
            procedures.merge(exports.procedures) { _, imported in imported }
            models.merge(exports.models) { _, imported in imported }
            facts.formUnion(exports.facts)
            forgetProperties(providedBy: exports.facts)
        }
    }

    /// Checks an imported file as its own top level and records what it defines.
    private func checkModule(_ source: SourceFile) {
        let (program, syntax) = Parser.parse(source)
        diagnostics.append(contentsOf: syntax)
        sources.append(source)
        modules[source.name] = program

        let saved = (globals, locals, procedures, facts, blockDepth, laterDefinitions, known, models)
        known = [:]
        models = [:]
        globals = [:]
        locals = nil
        procedures = [:]
        facts = []
        blockDepth = 0
        importStack.append(source.name)
        checkFile(program.statements)
        importStack.removeLast()
        moduleExports[source.name] = CheckContext(variables: globals, procedures: procedures, facts: facts, models: models)
        (globals, locals, procedures, facts, blockDepth, laterDefinitions, known, models) = saved
    }
}

/// Pre-scans of blocks (without reporting anything).
enum Scan {
    /// Names bound by `let` or `for` anywhere in the statements (not inside nested defs).
    static func assignedNames(in statements: [Stmt]) -> Set<String> {
        var names: Set<String> = []
        func walk(_ statements: [Stmt]) {
            for statement in statements {
                switch statement.kind {
                case .letBinding(let name, _): names.insert(name.name)
                case .forLoop(let variable, _, let body):
                    names.insert(variable.name)
                    walk(body)
                case .ifElse(let branches, let elseBody):
                    for branch in branches { walk(branch.body) }
                    if let elseBody { walk(elseBody) }
                default: break
                }
            }
        }
        walk(statements)
        return names
    }

    /// Facts any command in the statements may provide, including calls of known procedures.
    static func providedFacts(in statements: [Stmt], verbs: VerbTable,
                              procedures: [String: ProcedureShape]) -> Set<String> {
        var facts: Set<String> = []
        func command(_ command: Command) {
            if let shape = procedures[command.verb.name] {
                facts.formUnion(shape.provides)
            } else if let signature = verbs[command.verb.name] {
                facts.formUnion(signature.provides)
                for option in command.options {
                    facts.formUnion(signature.option(named: option.name.name)?.provides ?? [])
                }
            }
            for argument in command.arguments { expression(argument) }
            for option in command.options { expression(option.value) }
        }
        func expression(_ expr: Expr) {
            switch expr.kind {
            case .command(let inner): command(inner)
            case .list(let items): items.forEach(expression)
            case .field(let base, _): expression(base)
            case .unary(_, let operand): expression(operand)
            case .binary(_, let left, let right):
                expression(left)
                expression(right)
            default: break
            }
        }
        func walk(_ statements: [Stmt]) {
            for statement in statements {
                switch statement.kind {
                case .command(let c): command(c)
                case .letBinding(_, let value): expression(value)
                case .forLoop(_, let sequence, let body):
                    expression(sequence)
                    walk(body)
                case .ifElse(let branches, let elseBody):
                    for branch in branches {
                        expression(branch.condition)
                        walk(branch.body)
                    }
                    if let elseBody { walk(elseBody) }
                case .print(let values): values.forEach(expression)
                case .assertion(let condition, let message):
                    expression(condition)
                    if let message { expression(message) }
                case .returnValue(let value): if let value { expression(value) }
                case .procedure, .model, .importFile: break
                }
            }
        }
        walk(statements)
        return facts
    }
}

/// Static checks over a whole program before anything runs. Each problem is reported once,
/// where it occurs; anything derived from a reported problem is treated as unknown so one
/// mistake never causes follow-on errors.
public final class Checker {
    let verbs: VerbTable
    let resolver: ImportResolver?
    var diagnostics: [Diagnostic] = []
    var modules: [String: Program] = [:]
    var moduleExports: [String: CheckContext] = [:]
    var importTargets: [SourceRange: String] = [:]
    var sources: [SourceFile] = []
    /// Files being checked, innermost last, to detect import cycles.
    var importStack: [String] = []

    // Per-file walking state (saved and restored around imports).
    var globals: [String: StaticType] = [:]
    /// Variables of the procedure body being checked; nil at top level.
    var locals: [String: StaticType]?
    var procedures: [String: ProcedureShape] = [:]
    /// Model definitions visible here (CheckerModels.swift).
    var models: [String: ModelDecl] = [:]
    var facts: Set<String> = []
    /// Properties of the state known from constant commands (StateProperties.swift).
    var known: [String: KnownProperty] = [:]
    var importedFiles: Set<String> = []
    /// Nesting of if/for blocks; def and import belong at depth 0.
    var blockDepth = 0
    /// Top-level names defined further down the file, for "defined later" notes.
    var laterDefinitions: [String: SourceRange] = [:]
    /// Bindings of commands whose selector word is known here (CheckedProgram.bindings).
    var bindings: [SourceRange: ArgumentBinding] = [:]

    public init(verbs: VerbTable, resolver: ImportResolver? = nil) {
        self.verbs = verbs
        self.resolver = resolver
    }

    /// Lexes, parses and checks one file (and everything it imports).
    public static func check(_ source: SourceFile, verbs: VerbTable, resolver: ImportResolver? = nil,
                             context: CheckContext = CheckContext()) -> CheckedProgram {
        Checker(verbs: verbs, resolver: resolver).check(source, context: context)
    }

    public func check(_ source: SourceFile, context: CheckContext = CheckContext()) -> CheckedProgram {
        let (program, syntax) = Parser.parse(source)
        return check(program, syntaxDiagnostics: syntax, context: context)
    }

    public func check(_ program: Program, syntaxDiagnostics: [Diagnostic] = [],
                      context: CheckContext = CheckContext()) -> CheckedProgram {
        diagnostics = syntaxDiagnostics
        bindings = [:]
        sources = [program.source]
        globals = context.variables
        procedures = context.procedures
        models = context.models
        facts = context.facts
        known = context.known
        importedFiles = context.importedFiles
        importStack = [program.source.name]
        checkFile(program.statements)
        let after = CheckContext(variables: globals, procedures: procedures, facts: facts,
                                 importedFiles: importedFiles, known: known, models: models)
        return CheckedProgram(main: program, modules: modules, importTargets: importTargets,
                              diagnostics: sortedDiagnostics(), sources: sources,
                              context: after, bindings: bindings)
    }

    /// Diagnostics by file (in the order files were read) and position, stable for equal spots.
    func sortedDiagnostics() -> [Diagnostic] {
        var fileOrder: [String: Int] = [:]
        for (index, source) in sources.enumerated() { fileOrder[source.name] = index }
        return diagnostics.enumerated().sorted { a, b in
            let fa = fileOrder[a.element.range.file] ?? Int.max
            let fb = fileOrder[b.element.range.file] ?? Int.max
            if fa != fb { return fa < fb }
            if a.element.range.start.offset != b.element.range.start.offset {
                return a.element.range.start.offset < b.element.range.start.offset
            }
            return a.offset < b.offset
        }.map(\.element)
    }

    func checkFile(_ statements: [Stmt]) {
        laterDefinitions = [:]
        for statement in statements.reversed() {
            switch statement.kind {
            case .procedure(let decl): laterDefinitions[decl.name.name] = decl.name.range
            case .model(let decl): laterDefinitions[decl.name.name] = decl.name.range
            case .letBinding(let name, _): laterDefinitions[name.name] = name.range
            default: break
            }
        }
        checkBlock(statements)
    }

    func checkBlock(_ statements: [Stmt]) {
        for statement in statements { checkStatement(statement) }
    }

    // MARK: Statements

    func checkStatement(_ statement: Stmt) {
        switch statement.kind {
        case .command(let command):
            _ = checkCommand(command, asValue: false)
        case .letBinding(let name, let value):
            declare(name.name, typeOf(value))
        case .forLoop(let variable, let sequence, let body):
            let sequenceType = typeOf(sequence)
            if sequenceType != .list, sequenceType != .unknown {
                error(.typeMismatch, "'for' needs a list to loop over, found \(sequenceType.display)",
                      sequence.range, help: "write a list, e.g. for x in [0.5, 0.8] { ... }")
            }
            // The body may run many times: names and facts it establishes count from its start.
            for name in Scan.assignedNames(in: body) where lookup(name) != nil {
                declare(name, .unknown)
            }
            if locals == nil {
                let provided = Scan.providedFacts(in: body, verbs: verbs, procedures: procedures)
                facts.formUnion(provided)
                forgetProperties(providedBy: provided)
            }
            declare(variable.name, .unknown)
            nested { checkBlock(body) }
        case .ifElse(let branches, let elseBody):
            let incoming = facts
            var outgoing = facts
            let knownBefore = known
            // Known after the 'if' only where every way through it (including none) agrees.
            var knownAfter = elseBody == nil ? knownBefore : nil
            func merge() {
                knownAfter = knownAfter.map { $0.filter { known[$0.key] == $0.value } } ?? known
            }
            for branch in branches {
                checkCondition(branch.condition, "'if'")
                facts = incoming
                known = knownBefore
                nested { checkBlock(branch.body) }
                outgoing.formUnion(facts)
                merge()
            }
            if let elseBody {
                facts = incoming
                known = knownBefore
                nested { checkBlock(elseBody) }
                outgoing.formUnion(facts)
                merge()
            }
            facts = outgoing
            known = knownAfter ?? [:]
        case .procedure(let decl):
            checkProcedure(decl, statement: statement)
        case .model(let decl):
            checkModel(decl)
        case .importFile(let path, let pathRange):
            checkImport(path, pathRange: pathRange, statement: statement)
        case .assertion(let condition, let message):
            checkCondition(condition, "'assert'")
            if let message { _ = typeOf(message) }
        case .print(let values):
            for value in values { _ = typeOf(value) }
        case .returnValue(let value):
            if locals == nil {
                error(.returnOutsideProcedure, "'return' outside a procedure", statement.range,
                      help: "use 'return' only inside 'def NAME(...) { ... }'")
            }
            if let value { _ = typeOf(value) }
        }
    }

    func checkCondition(_ condition: Expr, _ owner: String) {
        let type = typeOf(condition)
        if type != .bool, type != .unknown {
            error(.typeMismatch, "\(owner) needs true or false, found \(type.display)", condition.range,
                  help: "compare explicitly, e.g. x > 0")
        }
    }

    func checkProcedure(_ decl: ProcedureDecl, statement: Stmt) {
        let name = decl.name.name
        if blockDepth > 0 || locals != nil {
            error(.misplacedDefinition, "'def' must be at the top level of a file", decl.name.range,
                  help: "move the procedure out of the enclosing block")
            return
        }
        if verbs[name] != nil {
            error(.duplicateDefinition, "procedure '\(name)' would hide the verb '\(name)'", decl.name.range,
                  help: "choose another name")
            return
        }
        if let earlier = procedures[name], earlier.declaredAt.file == decl.name.range.file,
           earlier.declaredAt != decl.name.range {
            error(.duplicateDefinition, "procedure '\(name)' is defined twice", decl.name.range,
                  notes: [DiagnosticNote("first defined here", range: earlier.declaredAt)])
            return
        }
        var seen: Set<String> = []
        var required: Set<String> = []
        for parameter in decl.parameters {
            if !seen.insert(parameter.name.name).inserted {
                error(.duplicateDefinition, "parameter '\(parameter.name.name)' appears twice", parameter.name.range)
            }
            if let defaultValue = parameter.defaultValue {
                // As in calls, a bare name that is not a variable is a word: def f(method=mipp).
                if case .name(let word) = defaultValue.kind, lookup(word) == nil { continue }
                _ = typeOf(defaultValue)
            } else {
                required.insert(parameter.name.name)
            }
        }
        // Registered before the body so it may call itself.
        procedures[name] = ProcedureShape(
            name: name, parameters: decl.parameters.map(\.name.name), requiredNames: required,
            isMalformed: decl.isMalformed, provides: [], declaredAt: decl.name.range)
        let provided = Scan.providedFacts(in: decl.body, verbs: verbs, procedures: procedures)
        procedures[name]?.provides = provided
        var parameterScope: [String: StaticType] = [:]
        for parameter in decl.parameters { parameterScope[parameter.name.name] = .unknown }
        let savedFacts = facts
        locals = parameterScope
        checkBlock(decl.body)
        locals = nil
        facts = savedFacts
    }

    // MARK: Names

    func lookup(_ name: String) -> StaticType? {
        if let type = locals?[name] { return type }
        return globals[name]
    }

    /// Binds a name in the current function scope. A rebinding inside a block with another
    /// type leaves the type unknown, since either may hold afterwards.
    func declare(_ name: String, _ type: StaticType) {
        let existing = locals != nil ? locals?[name] : globals[name]
        var newType = type
        if blockDepth > 0, let existing, existing != type { newType = .unknown }
        if locals != nil { locals?[name] = newType } else { globals[name] = newType }
    }

    var visibleNames: [String] {
        Array(Set(globals.keys).union(locals?.keys ?? [:].keys)).sorted()
    }

    func nested(_ body: () -> Void) {
        blockDepth += 1
        body()
        blockDepth -= 1
    }

    func error(_ code: DiagnosticCode, _ message: String, _ range: SourceRange,
               notes: [DiagnosticNote] = [], help: String? = nil) {
        report(Diagnostic(code: code, message: message, range: range, notes: notes, help: help))
    }

    /// Records a diagnostic once: a model definition built by several loads with the same
    /// widths reports a problem of its body at one place, not once per load.
    func report(_ diagnostic: Diagnostic) {
        guard !diagnostics.contains(where: { $0.code == diagnostic.code && $0.range == diagnostic.range && $0.message == diagnostic.message }) else { return }
        diagnostics.append(diagnostic)
    }
}

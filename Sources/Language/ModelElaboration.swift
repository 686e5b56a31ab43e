/// Builds a model definition into a plan: every layer with its engine kind, config, inputs and
/// output shape, and the place in the source it came from. The checker runs it before the run
/// when the widths are constants; `load` runs it with the values the script computed. Both get
/// the same diagnostics, at the layers' own lines.
public struct ModelPlan: Sendable {
    public struct Node: Sendable {
        public var name: String
        public var layer: PlannedLayer
        /// Indices into the plan's graph, where 0 is the input and node `i` of `nodes` is `i + 1`.
        public var inputs: [Int]
        public var range: SourceRange
    }

    public var name: String
    public var input: [Int]
    public var nodes: [Node]
    /// Output values per sample: the number of classes.
    public var classes: Int { nodes.last?.layer.shape.first ?? 0 }
}

/// What to build: a definition, the values of its parameters, and the shape of the data when known.
public struct ModelRequest: Sendable {
    public var name: String
    public var arguments: [String: (value: CheckedValue, range: SourceRange)]
    public var dataShape: [Int]?
    /// The `load` that asked for it, noted in every diagnostic with `purpose` as the note.
    public var site: SourceRange
    public var purpose: String?

    public init(name: String, arguments: [String: (value: CheckedValue, range: SourceRange)] = [:],
                dataShape: [Int]? = nil, site: SourceRange, purpose: String? = nil) {
        self.name = name
        self.purpose = purpose
        self.arguments = arguments
        self.dataShape = dataShape
        self.site = site
    }
}

public enum ModelElaboration {
    /// Layers one model may build (repeats unrolled), and nested uses of definitions.
    public static let maxLayers = 10_000
    public static let maxNesting = 64
    /// Largest input dimension (the engine's bound on an image side).
    public static let maxInputSize = 1 << 16
    /// Values one sample may hold at any layer (the engine's bound, Model.maximumSampleValues).
    public static let maxSampleValues = 1 << 31
    /// Lines a build may go through, counting every pass of a `repeat`: nested repeats of
    /// lines that build nothing (`let`, empty blocks) would otherwise run for hours.
    public static let maxSteps = 1_000_000

    /// The plan, or the first problem (a later layer's shape depends on every earlier one).
    public static func build(_ request: ModelRequest, definitions: [String: ModelDecl]) -> Result<ModelPlan, Diagnostic> {
        var builder = Builder(definitions: definitions, site: request.site)
        do {
            return .success(try builder.build(request))
        } catch let diagnostic as Diagnostic {
            var d = diagnostic
            if let purpose = request.purpose, d.range != request.site {
                d.notes.append(DiagnosticNote(purpose, range: request.site))
            }
            return .failure(d)
        } catch {
            return .failure(Diagnostic(code: .shapeMismatch, message: "\(error)", range: request.site))
        }
    }

    /// The value of a parameter default or a header option, in the scope of the parameters before it.
    static func evaluate(_ expr: Expr, _ env: [String: CheckedValue], asWord: (String) -> Bool = { _ in false }) throws -> CheckedValue {
        func fail(_ code: DiagnosticCode, _ message: String, help: String? = nil) -> Diagnostic {
            Diagnostic(code: code, message: message, range: expr.range, help: help)
        }
        switch expr.kind {
        case .number(let v): return .number(v)
        case .string(let s): return .string(s)
        case .bool(let b): return .bool(b)
        case .name(let name):
            if asWord(name) { return .word(name) }
            if let value = env[name] { return value }
            throw fail(.undefinedName, "'\(name)' is not a parameter or 'let' of this model",
                       help: Suggestions.help(for: name, among: env.keys.sorted()) ?? "model bodies see only their own parameters and lets")
        case .list(let items):
            return .list(try items.map { try evaluate($0, env) })
        case .unary(let op, let operand):
            let value = try evaluate(operand, env)
            switch (op, value) {
            case (.negate, .number(let v)): return .number(-v)
            case (.not, .bool(let b)): return .bool(!b)
            default: throw fail(.typeMismatch, "'\(op.rawValue)' does not apply to \(value.kindDescription)")
            }
        case .binary(let op, let l, let r):
            let a = try evaluate(l, env), b = try evaluate(r, env)
            switch (op, a, b) {
            case (.add, .number(let x), .number(let y)): return .number(x + y)
            case (.subtract, .number(let x), .number(let y)): return .number(x - y)
            case (.multiply, .number(let x), .number(let y)): return .number(x * y)
            case (.divide, .number(let x), .number(let y)):
                guard y != 0 else { throw fail(.divisionByZero, "division by zero") }
                return .number(x / y)
            case (.less, .number(let x), .number(let y)): return .bool(x < y)
            case (.lessEqual, .number(let x), .number(let y)): return .bool(x <= y)
            case (.greater, .number(let x), .number(let y)): return .bool(x > y)
            case (.greaterEqual, .number(let x), .number(let y)): return .bool(x >= y)
            case (.equal, _, _): return .bool(a == b)
            case (.notEqual, _, _): return .bool(a != b)
            case (.and, .bool(let x), .bool(let y)): return .bool(x && y)
            case (.or, .bool(let x), .bool(let y)): return .bool(x || y)
            default:
                throw fail(.typeMismatch, "'\(op.rawValue)' does not apply to \(a.kindDescription) and \(b.kindDescription)")
            }
        case .field, .command:
            throw fail(.typeMismatch, "a model definition cannot run commands or read records",
                       help: "compute the value before the model and pass it as a parameter")
        case .invalid:
            throw fail(.expectedExpression, "invalid expression")
        }
    }

    /// The `input=` shape of a definition: one (features) or three (channels, height, width) positive sizes.
    static func inputShape(_ value: CheckedValue, at range: SourceRange) throws -> [Int] {
        let type = ValueType.list(.integer(min: 1, max: maxInputSize))
        if let problem = type.problem(with: value) {
            throw Diagnostic(code: problem.code, message: "'input' \(problem.message)", range: range,
                             help: "write the shape of one sample, e.g. input=[1, 28, 28] or input=[784]")
        }
        guard case .list(let items) = value, items.count == 1 || items.count == 3 else {
            throw Diagnostic(code: .outOfRange, message: "'input' must list 1 size (features) or 3 (channels, height, width)",
                             range: range, help: "e.g. input=[1, 28, 28] or input=[784]")
        }
        let shape = items.map { if case .number(let v) = $0 { return Int(v) } else { return 0 } }
        guard shape.reduce(1, *) <= maxSampleValues else {
            throw Diagnostic(code: .outOfRange, message: "'input' \(ModelLayers.show(shape)) holds more than the \(maxSampleValues) values per sample prn handles",
                             range: range)
        }
        return shape
    }
}

extension TypeProblem {
    var code: DiagnosticCode {
        if case .outOfRange = self { return .outOfRange }
        if case .unknownWord = self { return .unknownWord }
        return .typeMismatch
    }
}

/// One build: the graph so far and the scopes it is inside.
private struct Builder {
    let definitions: [String: ModelDecl]
    let site: SourceRange
    var nodes: [ModelPlan.Node] = []
    var shapes: [[Int]] = []
    /// Where each node (0: the input) was written, for notes.
    var origins: [SourceRange] = []
    var current = 0
    var uses: [(name: String, range: SourceRange)] = []
    var steps = 0

    struct Scope {
        var prefix: String
        var counters: [String: Int] = [:]
        var env: [String: CheckedValue]

        mutating func next(_ base: String) -> Int {
            counters[base, default: 0] += 1
            return counters[base]!
        }
    }

    init(definitions: [String: ModelDecl], site: SourceRange) {
        self.definitions = definitions
        self.site = site
    }

    mutating func build(_ request: ModelRequest) throws -> ModelPlan {
        guard let decl = definitions[request.name] else {
            throw Diagnostic(code: .undefinedName, message: "no model named '\(request.name)'", range: site)
        }
        var env: [String: CheckedValue] = [:]
        for parameter in decl.parameters {
            if let given = request.arguments[parameter.name.name] {
                env[parameter.name.name] = given.value
            } else if let defaultValue = parameter.defaultValue {
                env[parameter.name.name] = try ModelElaboration.evaluate(defaultValue, env)
            } else {
                throw Diagnostic(code: .missingArgument, message: "model '\(decl.name.name)' needs a value for '\(parameter.name.name)'",
                                 range: site, notes: [DiagnosticNote("'\(decl.name.name)' is defined here", range: decl.name.range)],
                                 help: "write: load \(decl.name.name) \(parameter.name.name)=...")
            }
        }
        for (name, given) in request.arguments where !decl.parameters.contains(where: { $0.name.name == name }) {
            throw Diagnostic(code: .unknownOption, message: "model '\(decl.name.name)' has no parameter '\(name)'", range: given.range,
                             help: Suggestions.help(for: name, among: decl.parameters.map(\.name.name)))
        }
        let input: [Int]
        if let option = decl.input {
            input = try ModelElaboration.inputShape(try ModelElaboration.evaluate(option.value, env), at: option.value.range)
            if let data = request.dataShape, data != input {
                throw Diagnostic(code: .dataMismatch,
                                 message: "model '\(decl.name.name)' declares input=\(ModelLayers.show(input)) but the data has samples of shape \(ModelLayers.show(data))",
                                 range: option.value.range, help: "write input=\(ModelLayers.show(data)), or load the data the model was written for")
            }
        } else if let data = request.dataShape {
            input = data
        } else {
            throw Diagnostic(code: .dataMismatch, message: "model '\(decl.name.name)' has no input= and no data is loaded to take the shape from",
                             range: site, notes: [DiagnosticNote("'\(decl.name.name)' is defined here", range: decl.name.range)],
                             help: "write 'load \(decl.name.name) data=NAME', or input=[C, H, W] in the definition")
        }
        shapes = [input]
        origins = [decl.input?.value.range ?? decl.name.range]
        uses = [(decl.name.name, decl.name.range)]
        var scope = Scope(prefix: "", env: env)
        try body(decl.body, &scope)
        guard current > 0 else {
            throw Diagnostic(code: .shapeMismatch, message: "model '\(decl.name.name)' has no layers", range: decl.name.range,
                             help: "add layers between the braces, e.g. flatten; dense 10")
        }
        let output = shapes[current]
        guard output.count == 1 else {
            throw Diagnostic(code: .shapeMismatch,
                             message: "a model must end in a vector of class scores, but '\(decl.name.name)' ends with \(ModelLayers.show(output))",
                             range: origins[current], help: "end the model with: flatten; dense CLASSES (or avgpool global; dense CLASSES)")
        }
        return ModelPlan(name: decl.name.name, input: input, nodes: nodes)
    }

    // MARK: Statements

    mutating func body(_ statements: [LayerStmt], _ scope: inout Scope) throws {
        for statement in statements {
            steps += 1
            guard steps <= ModelElaboration.maxSteps else {
                throw Diagnostic(code: .outOfRange, message: "the model takes more than \(ModelElaboration.maxSteps) steps to build",
                                 range: statement.head.range, help: "check the 'repeat' counts")
            }
            switch statement.kind {
            case .letBinding(let name, let value):
                scope.env[name.name] = try ModelElaboration.evaluate(value, scope.env)
            case .repeatBlock(let countExpr, let inner):
                let value = try ModelElaboration.evaluate(countExpr, scope.env)
                let type = ValueType.integer(min: 0, max: ModelElaboration.maxLayers)
                if let problem = type.problem(with: value) {
                    throw Diagnostic(code: problem.code, message: "'repeat' count \(problem.message)", range: countExpr.range)
                }
                guard case .number(let n) = value else { continue }
                for _ in 0..<Int(n) {
                    // Each pass counts, so repeats of empty bodies are bounded too.
                    steps += 1
                    guard steps <= ModelElaboration.maxSteps else {
                        throw Diagnostic(code: .outOfRange, message: "the model takes more than \(ModelElaboration.maxSteps) steps to build",
                                         range: statement.head.range, help: "check the 'repeat' counts")
                    }
                    try body(inner, &scope)
                }
            case .residual(let options, let inner):
                try residual(statement, options, inner, &scope)
            case .layer(let command):
                if let spec = ModelLayers.byName[command.verb.name] {
                    try layer(spec, command, &scope)
                } else if let callee = definitions[command.verb.name] {
                    try use(callee, command, &scope)
                } else {
                    throw ModelChecks.unknownLayer(command.verb, definitions: definitions)
                }
            }
        }
    }

    mutating func add(_ name: String, _ layer: PlannedLayer, inputs: [Int], at range: SourceRange) throws -> Int {
        guard nodes.count < ModelElaboration.maxLayers else {
            throw Diagnostic(code: .outOfRange, message: "the model builds more than \(ModelElaboration.maxLayers) layers",
                             range: range, help: "check the 'repeat' counts")
        }
        var values = 1
        for d in layer.shape {
            let (product, overflow) = values.multipliedReportingOverflow(by: d)
            values = overflow ? Int.max : product
        }
        guard values <= ModelElaboration.maxSampleValues else {
            throw Diagnostic(code: .shapeMismatch,
                             message: "this layer would output \(ModelLayers.show(layer.shape)) = \(values == Int.max ? "more than 2^63" : String(values)) values per sample, more than the \(ModelElaboration.maxSampleValues) prn handles",
                             range: range, help: "use less padding or fewer channels")
        }
        nodes.append(ModelPlan.Node(name: name, layer: layer, inputs: inputs, range: range))
        shapes.append(layer.shape)
        origins.append(range)
        current = nodes.count
        return current
    }

    /// Where the current value was produced, described for a note.
    func producerNote(_ index: Int, _ what: String) -> DiagnosticNote {
        let source = index == 0 ? "the model's input" : "'\(nodes[index - 1].name)'"
        return DiagnosticNote("\(what) comes from \(source), shape \(ModelLayers.show(shapes[index]))", range: origins[index])
    }

    mutating func layer(_ spec: LayerSpec, _ command: Command, _ scope: inout Scope) throws {
        let values = try ModelChecks.bind(command, to: spec) { slot, expr in
            try ModelElaboration.evaluate(expr, scope.env, asWord: { slot.type.readsAsWord($0) && scope.env[$0] == nil })
        }
        let planned: PlannedLayer
        do {
            planned = try spec.shape(shapes[current], values)
        } catch let problem as LayerShapeProblem {
            throw Diagnostic(code: .shapeMismatch, message: problem.message, range: command.range,
                             notes: problem.blamesInput ? [producerNote(current, "its input")] : [], help: problem.help)
        }
        var layer = planned
        if layer.kind == "dropout" { layer.config["seed"] = Double(nodes.count + 1) }
        let name = scope.prefix + spec.name + String(scope.next(spec.name))
        _ = try add(name, layer, inputs: [current], at: command.range)
    }

    mutating func use(_ callee: ModelDecl, _ command: Command, _ scope: inout Scope) throws {
        if let loop = uses.firstIndex(where: { $0.name == callee.name.name }) {
            let chain = (uses[loop...].map(\.name) + [callee.name.name]).joined(separator: " -> ")
            throw Diagnostic(code: .recursiveModel, message: "model '\(callee.name.name)' uses itself: \(chain)",
                             range: command.verb.range, notes: [DiagnosticNote("'\(callee.name.name)' is defined here", range: callee.name.range)],
                             help: "a model may use other models, never itself; write repeated stages with 'repeat N { ... }'")
        }
        guard uses.count < ModelElaboration.maxNesting else {
            throw Diagnostic(code: .recursiveModel, message: "models used inside each other more than \(ModelElaboration.maxNesting) deep",
                             range: command.verb.range)
        }
        let env = try ModelChecks.bindUse(command, of: callee) { try ModelElaboration.evaluate($0, scope.env) }
        var inner = Scope(prefix: scope.prefix + callee.name.name
                            + String(scope.next("use:" + callee.name.name)) + ".", env: env)
        uses.append((callee.name.name, command.verb.range))
        defer { uses.removeLast() }
        try body(callee.body, &inner)
    }

    mutating func residual(_ statement: LayerStmt, _ options: [OptionArgument], _ inner: [LayerStmt], _ scope: inout Scope) throws {
        var shortcut = "identity"
        for option in options {
            guard option.name.name == "shortcut" else {
                throw Diagnostic(code: .unknownOption, message: "'residual' has no option '\(option.name.name)'", range: option.name.range,
                                 help: Suggestions.help(for: option.name.name, among: ["shortcut"]) ?? "residual takes shortcut=identity|conv|pad")
            }
            let value = try ModelElaboration.evaluate(option.value, scope.env, asWord: { scope.env[$0] == nil })
            let type = ValueType.choice(ModelLayers.shortcuts)
            if let problem = type.problem(with: value) {
                throw Diagnostic(code: problem.code, message: "'shortcut' \(problem.message)", range: option.value.range,
                                 help: value.wordOrString.flatMap { Suggestions.help(for: $0, among: type.choiceWords) })
            }
            shortcut = value.wordOrString ?? "identity"
        }
        let start = current
        let id = scope.next("res")
        var blockScope = Scope(prefix: scope.prefix + "res\(id).", env: scope.env)
        try body(inner, &blockScope)
        guard current != start else {
            throw Diagnostic(code: .shapeMismatch, message: "'residual' has no layers", range: statement.head.range,
                             help: "put the layers the shortcut skips between the braces")
        }
        let end = current
        let (inShape, outShape) = (shapes[start], shapes[end])
        let prefix = blockScope.prefix
        var skip = start
        // Option A is the identity where the block keeps the shape, as in the CIFAR ResNets.
        if shortcut == "pad" && inShape == outShape { shortcut = "identity" }
        switch shortcut {
        case "conv", "pad":
            guard inShape.count == 3, outShape.count == 3 else {
                throw Diagnostic(code: .shapeMismatch,
                                 message: "shortcut=\(shortcut) needs images on both sides, but the block maps \(ModelLayers.show(inShape)) to \(ModelLayers.show(outShape))",
                                 range: statement.head.range, notes: [producerNote(start, "the block's input")])
            }
            let stride = max(1, inShape[1] / outShape[1])
            guard (inShape[1] + stride - 1) / stride == outShape[1], (inShape[2] + stride - 1) / stride == outShape[2] else {
                throw Diagnostic(code: .shapeMismatch,
                                 message: "the block turns a \(inShape[1])x\(inShape[2]) image into \(outShape[1])x\(outShape[2]), which no shortcut stride matches",
                                 range: origins[end], notes: [producerNote(start, "the block's input")],
                                 help: "downsample by a whole factor (stride=2 with pad=1 for a 3x3 conv)")
            }
            if shortcut == "pad" {
                let extra = outShape[0] - inShape[0]
                guard extra >= 0 else {
                    throw Diagnostic(code: .shapeMismatch,
                                     message: "shortcut=pad can only add channels, but the block goes from \(inShape[0]) to \(outShape[0])",
                                     range: origins[end], notes: [producerNote(start, "the block's input")], help: "use shortcut=conv")
                }
                skip = try add(prefix + "shortcut", PlannedLayer(kind: "shortcut-a", config: ["stride": Double(stride), "pad_before": Double(extra / 2),
                                                                                               "pad_after": Double(extra - extra / 2)], shape: outShape),
                               inputs: [start], at: statement.head.range)
            } else {
                skip = try add(prefix + "shortcut.conv",
                               PlannedLayer(kind: "conv2d", config: ["in": Double(inShape[0]), "out": Double(outShape[0]), "kernel": 1,
                                                                     "stride": Double(stride), "padding": 0, "bias": 0], shape: outShape),
                               inputs: [start], at: statement.head.range)
                skip = try add(prefix + "shortcut.bn", PlannedLayer(kind: "batchnorm", config: ["channels": Double(outShape[0]), "eps": 1e-5, "momentum": 0.1],
                                                                    shape: outShape), inputs: [skip], at: statement.head.range)
            }
        default:
            guard inShape == outShape else {
                // Blame the last layer that changed the shape: that is where the widths part.
                var culprit = end
                for i in stride(from: end, to: start, by: -1) where shapes[i] != shapes[nodes[i - 1].inputs[0]] {
                    culprit = i
                    break
                }
                let what = inShape.count == outShape.count && inShape.dropFirst() == outShape.dropFirst() ? "channel" : "shape"
                throw Diagnostic(code: .shapeMismatch,
                                 message: "residual add: \(what) mismatch, the block's output is \(ModelLayers.show(outShape)) but its input is \(ModelLayers.show(inShape))",
                                 range: origins[culprit],
                                 notes: [producerNote(start, "the block's input")],
                                 help: "make the block end with the input's shape, or write 'residual shortcut=conv' (1x1 projection) or 'shortcut=pad'")
            }
        }
        _ = try add(prefix + "add", PlannedLayer(kind: "add", config: [:], shape: outShape), inputs: [end, skip], at: statement.head.range)
    }
}

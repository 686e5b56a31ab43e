/// The syntax of networks written in the language:
///
///     model block(c) { residual { conv c 3 pad=1; bn; relu; conv c 3 pad=1; bn }; relu }
///     model net(w=16) input=[1, 28, 28] { conv w 3 pad=1; bn; relu; repeat 2 { block w }; ... }
///
/// A definition is data until a `load` builds it (ModelElaboration.swift turns it into layers
/// with shapes); the checker builds it before the run whenever its widths are constants.
public struct ModelDecl: Sendable {
    public var name: Identifier
    public var parameters: [Parameter]
    /// `name=value` after the parameters: `input=[1, 28, 28]`.
    public var options: [OptionArgument]
    public var body: [LayerStmt]
    /// The header did not parse; uses are accepted with any arguments to avoid follow-on errors.
    public var isMalformed: Bool
    public var range: SourceRange

    public init(name: Identifier, parameters: [Parameter], options: [OptionArgument], body: [LayerStmt],
                isMalformed: Bool = false, range: SourceRange) {
        self.name = name
        self.parameters = parameters
        self.options = options
        self.body = body
        self.isMalformed = isMalformed
        self.range = range
    }

    /// The `input=` shape expression, if written.
    public var input: OptionArgument? { options.first { $0.name.name == "input" } }
}

/// One line of a model body.
public struct LayerStmt: Sendable {
    public indirect enum Kind: Sendable {
        /// `conv 32 3 pad=1`, or a use of another definition: `block 32`.
        case layer(Command)
        /// `let c = 2 * w`: a width computed once.
        case letBinding(Identifier, Expr)
        /// `repeat N { ... }`: the body N times in a row.
        case repeatBlock(count: Expr, body: [LayerStmt])
        /// `residual shortcut=conv { ... }`: the body's output plus its input (or a projection of it).
        case residual(options: [OptionArgument], body: [LayerStmt])
    }

    public var kind: Kind
    /// The keyword or layer name, where diagnostics about the whole statement point.
    public var head: Identifier
    public var range: SourceRange

    public init(_ kind: Kind, head: Identifier, range: SourceRange) {
        self.kind = kind
        self.head = head
        self.range = range
    }
}

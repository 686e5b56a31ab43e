/// `load NAME key=value ...` where NAME is a model definition: the checker and the interpreter
/// split it the same way into the definition's parameters and the options `load` itself takes
/// (data=, val=, subset=, ...), so `load` binds its own options by its one signature.
public struct ModelLoad: Sendable {
    /// Options of `load` that describe zoo models. A definition states its own widths and may
    /// take parameters of these names (`model net(width=16, classes=10)`), which then win.
    public static let zooOnlyOptions: Set<String> = ["width", "norm", "classes", "hidden", "allow_nonfinite"]

    public var decl: ModelDecl
    /// The command as `load`'s signature sees it: the name as a string, parameters taken out.
    public var load: Command
    /// `name=value` options that set the definition's parameters (or try to: unknown names
    /// are reported as parameters the model does not have).
    public var parameters: [OptionArgument]

    /// The verb that builds definitions.
    public static let verb = "load"

    public static func split(_ command: Command, signature: VerbSignature, models: [String: ModelDecl]) -> ModelLoad? {
        guard command.verb.name == verb, signature.name == verb, let first = command.arguments.first,
              case .name(let name) = first.kind, let decl = models[name] else { return nil }
        let declared = Set(decl.parameters.map(\.name.name))
        var loadOptions: [OptionArgument] = []
        var parameters: [OptionArgument] = []
        for option in command.options {
            let key = option.name.name
            if declared.contains(key) || signature.option(named: key) == nil {
                parameters.append(option)
            } else {
                loadOptions.append(option)
            }
        }
        var arguments = command.arguments
        arguments[0] = Expr(.string(name), range: first.range)
        return ModelLoad(decl: decl, load: Command(verb: command.verb, arguments: arguments, options: loadOptions, range: command.range),
                         parameters: parameters)
    }
}

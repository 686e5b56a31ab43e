import Engine
import Foundation
import Pruning
import Language

extension REPLEngine {
    /// `:help VERB`: the verb's help, and for `train` and `finetune` the recipe the loaded model
    /// gives the options left out, since that default depends on the session.
    public func help(for name: String) -> Result<String, MetaCommandError> {
        MetaCommand.help(for: name, verbs: Verbs.table).map { text in
            guard let recipe = RecipeText.help(verb: name, session: session) else { return text }
            return text + "\n" + recipe + "\n"
        }
    }

    /// `:show`: what the session holds, one line per part.
    public func summary() -> String {
        var lines = ["seed: \(session.seed)"]
        if let dataState = session.dataState {
            let data = dataState.bundle
            lines.append("data: \(dataState.description) (train \(data.train.count), test \(data.test.count), \(data.classes) classes)")
        } else {
            lines.append("data: none (e.g. 'data mnist')")
        }
        if let state = session.modelState {
            let model = state.model
            if let size = try? ModelMeasurement.measure(model) {
                lines.append("model: \(state.description) (\(model.architecture)), \(size.parameters.formatted()) parameters, \(size.nonZeroParameters.formatted()) non-zero")
            }
        } else {
            lines.append("model: none (e.g. 'load lenet300 data=mnist')")
        }
        let variables = interpreter.variables.sorted { $0.key < $1.key }
        lines.append("variables: " + (variables.isEmpty ? "none" : variables.map { "\($0.key) = \($0.value.literal)" }.joined(separator: ", ")))
        let procedures = context.procedures.keys.sorted()
        lines.append("procedures: " + (procedures.isEmpty ? "none" : procedures.joined(separator: ", ")))
        lines.append("commands run: \(session.history.count); statements kept for :save: \(recipe.count), left out (errors): \(leftOut)")
        return lines.joined(separator: "\n") + "\n"
    }

    /// What Tab completion needs to know about this session.
    public func completionContext() -> CompletionContext {
        CompletionContext(verbs: Verbs.table,
                          variables: Array(Set(interpreter.variables.keys).union(context.variables.keys)),
                          procedures: context.procedures.mapValues(\.parameters),
                          metaCommands: MetaCommand.names)
    }
}

/// The canonical text of a command as it ran: the verb, every positional argument (defaults
/// included) and the options written in the script, with values spelt as literals.
/// `show history` lists these.
enum CommandText {
    static func canonical(_ inv: VerbInvocation) -> String {
        var parts = [inv.verb]
        parts += inv.arguments.map(\.literal)
        parts += inv.givenOptions.sorted().compactMap { name in inv.options[name].map { "\(name)=\($0.literal)" } }
        return parts.joined(separator: " ")
    }
}

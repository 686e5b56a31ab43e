import Language
import Runtime

/// Fake verbs with the real verbs' shapes and a little state, so scripts exercise the
/// interpreter end to end without the engine.
final class FakeSession {
    var model: String?
    var scores: String?
    var sparsity = 0.0
    var checkpoints: [String: Double] = [:]
    var onCall: ((VerbInvocation) -> Void)?

    static let scopes = ValueType.choice([Choice("global"), Choice("local"), Choice("uniform")])

    func registry() -> VerbRegistry {
        var registry = VerbRegistry()
        registry.register(VerbSignature("seed", summary: "seed", arguments: [ArgumentSpec("n", .integer(min: 0, max: nil))])) { [unowned self] in
            self.onCall?($0)
            return .none
        }
        registry.register(VerbSignature(
            "load", summary: "load a model",
            arguments: [ArgumentSpec("model", .oneOf([.choice([Choice("mlp"), Choice("lenet300")]), .path]), noun: "model")],
            options: [OptionSpec("data", .choice([Choice("mnist"), Choice("fashion-mnist")]), provides: ["data"])],
            provides: ["model"])) { [unowned self] invocation in
            self.model = invocation.arguments[0].text
            return .none
        }
        registry.register(VerbSignature(
            "train", summary: "train",
            options: [OptionSpec("epochs", .integer(min: 1, max: nil), default: .number(1)),
                      OptionSpec("lr", .number(min: Bound(0, inclusive: false), max: nil), default: .number(0.1))],
            resultFields: [ResultField("loss")], requires: ["model"])) { invocation in
            .record(Record([("loss", .number(1 / (invocation.options["epochs"]?.number ?? 1)))]))
        }
        registry.register(VerbSignature(
            "score", summary: "score", arguments: [ArgumentSpec("method", .choice([Choice("random"), Choice("magnitude"), Choice("mipp")]),
                                                                noun: "scoring method")],
            requires: ["model"], provides: ["scores"])) { [unowned self] invocation in
            self.scores = invocation.arguments[0].text
            return .none
        }
        registry.register(VerbSignature(
            "prune", summary: "prune",
            arguments: [ArgumentSpec("amount", .oneOf([.fraction(lowerOpen: true, upperOpen: true), .choice([Choice("auto")])])),
                        ArgumentSpec("scope", FakeSession.scopes, default: .word("global"), noun: "scope")],
            options: [OptionSpec("min_keep", .integer(min: 1, max: nil), default: .number(1))],
            resultFields: [ResultField("sparsity"), ResultField("scope")],
            requires: ["scores"], provides: ["pruned"])) { [unowned self] invocation in
            guard self.scores != nil else { throw VerbError("prune needs scores", help: "run 'score METHOD' first") }
            self.sparsity = invocation.arguments[0].number ?? 0.5
            return .record(Record([("sparsity", .number(self.sparsity)), ("scope", invocation.arguments[1])]))
        }
        registry.register(VerbSignature(
            "eval", summary: "measure",
            options: [OptionSpec("split", .choice([Choice("test"), Choice("val")]), default: .word("test"))],
            resultFields: [ResultField("accuracy"), ResultField("params"), ResultField("split")],
            requires: ["model"])) { [unowned self] invocation in
            .record(Record([("accuracy", .number(0.9 - self.sparsity / 10)),
                            ("params", .number(1000 * (1 - self.sparsity))),
                            ("split", invocation.options["split"] ?? .none)]))
        }
        registry.register(VerbSignature("checkpoint", summary: "snapshot", arguments: [ArgumentSpec("name", .word)])) { [unowned self] in
            self.checkpoints[$0.arguments[0].text ?? ""] = self.sparsity
            return .none
        }
        registry.register(VerbSignature("restore", summary: "return to a snapshot", arguments: [ArgumentSpec("name", .word)])) { [unowned self] in
            let name = $0.arguments[0].text ?? ""
            guard let sparsity = self.checkpoints[name] else {
                throw VerbError("no checkpoint named '\(name)'", help: "make one first with: checkpoint \(name)")
            }
            self.sparsity = sparsity
            return .none
        }
        // Echoes what the interpreter handed over, to test evaluation, words and defaults.
        registry.register(VerbSignature(
            "echo", summary: "show the invocation",
            arguments: [ArgumentSpec("value", .oneOf([.anyNumber, .string, .bool, .list(.anyNumber), .choice([Choice("fast"), Choice("slow")])]),
                                     optional: true)],
            options: [OptionSpec("mode", .choice([Choice("fast"), Choice("slow")]), default: .word("fast")),
                      OptionSpec("flag", .bool)],
            resultFields: [ResultField("value"), ResultField("mode"), ResultField("given")])) { invocation in
            .record(Record([("value", invocation.arguments.first ?? .none),
                            ("mode", invocation.options["mode"] ?? .none),
                            ("given", .list(ValueList(invocation.givenOptions.sorted().map(Value.string))))]))
        }
        return registry
    }
}

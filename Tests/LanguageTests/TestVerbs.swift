import Language

/// A verb table shaped like the real one, so checks are tested against realistic signatures.
enum TestVerbs {
    static let methods: [Choice] = [
        Choice("random", "random baseline"), Choice("magnitude", "weight magnitude"),
        Choice("taylor"), Choice("mipp", "mutual-information pruning"),
    ]
    static let table = VerbTable([
        VerbSignature("seed", summary: "seed every random stream",
                      arguments: [ArgumentSpec("n", .integer(min: 0, max: nil))]),
        VerbSignature("load", summary: "bring a model into the session",
                      arguments: [ArgumentSpec("model", .oneOf([.choice([Choice("mlp"), Choice("lenet300"), Choice("vgg-small")]), .path]),
                                               noun: "model")],
                      options: [OptionSpec("data", .choice([Choice("mnist"), Choice("fashion-mnist")]), provides: ["data"], noun: "dataset"),
                                OptionSpec("width", .number(min: Bound(0, inclusive: false), max: nil))],
                      provides: ["model"]),
        VerbSignature("train", summary: "train",
                      options: [OptionSpec("epochs", .integer(min: 1, max: nil), default: .number(1)),
                                OptionSpec("lr", .number(min: Bound(0, inclusive: false), max: nil), default: .number(0.1)),
                                OptionSpec("penalty", .choice([Choice("none"), Choice("l1"), Choice("receding")]),
                                           default: .word("none"), noun: "penalty")],
                      requires: ["model", "data"], provides: ["trained"]),
        VerbSignature("score", summary: "compute importances",
                      arguments: [ArgumentSpec("method", .choice(methods), noun: "scoring method")],
                      options: [OptionSpec("samples", .integer(min: 1, max: nil), default: .number(256))],
                      requires: ["model", "data"], provides: ["scores"]),
        VerbSignature("prune", summary: "remove the least important units",
                      arguments: [ArgumentSpec("amount", .oneOf([.fraction(lowerOpen: true, upperOpen: true),
                                                                  .choice([Choice("auto")])])),
                                  ArgumentSpec("scope", .choice([Choice("global"), Choice("local"), Choice("uniform")]),
                                               default: .word("global"), noun: "scope")],
                      options: [OptionSpec("min_keep", .integer(min: 1, max: nil), default: .number(1))],
                      requires: ["scores"], provides: ["pruned"]),
        VerbSignature("eval", summary: "measure",
                      options: [OptionSpec("split", .choice([Choice("test"), Choice("val")]), default: .word("test"))],
                      resultFields: [ResultField("accuracy"), ResultField("loss"), ResultField("params")],
                      requires: ["model"]),
        VerbSignature("checkpoint", summary: "snapshot the state", arguments: [ArgumentSpec("name", .word)]),
    ])

    static func check(_ text: String, name: String = "test.prn", resolver: ImportResolver? = nil) -> CheckedProgram {
        Checker.check(SourceFile(name: name, text: text), verbs: table, resolver: resolver)
    }

    /// "E201@3:1" for each diagnostic, compact for table-driven assertions.
    static func codes(_ text: String, resolver: ImportResolver? = nil) -> [String] {
        check(text, resolver: resolver).diagnostics.map {
            "\($0.code.id)@\($0.range.start.line):\($0.range.start.column)"
        }
    }

    static func render(_ text: String, name: String = "test.prn") -> String {
        let source = SourceFile(name: name, text: text)
        let checked = Checker.check(source, verbs: table)
        return DiagnosticRenderer(sources: checked.sources).render(checked.diagnostics)
    }
}

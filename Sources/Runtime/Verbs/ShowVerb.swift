import Engine
import Language
import Pruning

/// `show WHAT`: prints a view of the session.
enum ShowVerb {
    enum View: String, CaseIterable, Sendable {
        case model, layers, scores, sparsity, history, data

        var help: String {
            switch self {
            case .model: return "the model's summary"
            case .layers: return "every node with its shape and parameters"
            case .scores: return "the importance scores and their histogram"
            case .sparsity: return "per-layer widths and sparsity"
            case .history: return "the commands run so far"
            case .data: return "the dataset's splits and shapes"
            }
        }
    }

    static let what = VerbParameter<View>.choice("what", default: .model, noun: "view", describe: \.help)

    static let signature = VerbSignature(
        "show", summary: "print a view of the session",
        arguments: [what.argument])

    static func run(_ inv: VerbInvocation, _ s: Session) throws -> Value {
        let what = inv[Self.what]
        let text: String
        switch what {
        case .model:
            let state = try s.requireModelState("show model")
            let m = state.model
            let size = try ModelMeasurement.measure(m)
            text = "\(state.description) (\(m.architecture)): input \(m.inputShape), \(m.classes) classes, \(m.nodes.count - 1) nodes, \(size.parameters.formatted()) parameters (\(size.nonZeroParameters.formatted()) non-zero), \(size.flopsDense.formatted()) FLOPs per sample"
                + "\ninputs: " + (m.preprocessing.map { p in
                    "normalised with \(InputPreprocessing.describe(p.statistics))\(p.dataset.map { ", made for data \($0)" } ?? "")"
                } ?? "preprocessing not recorded (a model file from before prn recorded it)")
        case .layers:
            text = try layers(s.requireModel("show layers"))
        case .data:
            guard let d = s.data else { throw VerbError("show data needs data", help: "choose a dataset first, e.g. 'data mnist'") }
            text = "\(s.dataState?.description ?? ""): train \(d.train.count), \(d.val.map { "val \($0.count), " } ?? "")test \(d.test.count), classes \(d.classes), samples \(d.train.sampleShape)\nidentity: \(d.identity)"
        case .history:
            text = s.history.isEmpty ? "(no commands yet)" : s.history.enumerated().map { "\($0 + 1)  \($1)" }.joined(separator: "\n")
        case .sparsity:
            text = SparsityTable.render(try ModelMeasurement.measure(s.requireModel("show sparsity")), before: s.modelState?.dense)
        case .scores:
            guard let scores = s.modelState?.scores?.scores else {
                throw VerbError("show scores needs scores", help: "run 'score METHOD' first")
            }
            text = ScoreHistogram.render(scores)
        }
        s.output(text)
        return .string(text)
    }

    static func layers(_ m: Model) throws -> String {
        let shapes = try m.shapes()
        var rows = [["node", "kind", "inputs", "output", "parameters"]]
        for (i, n) in m.nodes.enumerated() {
            let params = n.layer?.parameters.filter(\.trainable).map { "\($0.value.shape)" }.joined(separator: " ") ?? ""
            rows.append([n.name, n.layer?.kind ?? "input", n.inputs.map { m.nodes[$0].name }.joined(separator: ","),
                         "\(shapes[i])", params])
        }
        return TextTable.render(rows)
    }
}

/// Left-aligned columns separated by two spaces.
enum TextTable {
    static func render(_ rows: [[String]]) -> String {
        guard let first = rows.first else { return "" }
        var widths = Array(repeating: 0, count: first.count)
        for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
        return rows.map { r in
            r.enumerated().map { i, c in i == r.count - 1 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }.joined(separator: "\n")
    }
}

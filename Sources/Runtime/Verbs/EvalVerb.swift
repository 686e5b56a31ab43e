import Engine
import Foundation
import Language
import Pruning

/// `eval`: accuracy, loss, size and speed of the current model.
enum EvalVerb {
    enum Split: String, CaseIterable, Sendable { case test, val, train }
    static let split = VerbParameter<Split>.choice("split", default: .test, noun: "split")
    static let batch = VerbParameter<Int>.integer("batch", 1...65_536, default: 256,
                                                  help: "samples per forward pass (left out: 256, fewer where the activations would take more than the internal-batch memory)")

    static let signature = VerbSignature(
        "eval", summary: "measure accuracy, loss, parameters, FLOPs, sparsity and latency",
        options: [split.spec, batch.spec],
        resultFields: [
            ResultField("accuracy", "top-1 accuracy in [0, 1]"), ResultField("top5", "top-5 accuracy (10+ classes)"),
            ResultField("loss", "mean cross-entropy"), ResultField("params", "parameters in the model's tensors"),
            ResultField("nonzero", "parameters that are not zero"), ResultField("sparsity", "fraction of zero parameters"),
            ResultField("flops", "dense FLOPs per sample (2 x multiply-adds)"),
            ResultField("flops_effective", "FLOPs per sample skipping zero weights"),
            ResultField("latency_ms", "median time of one forward pass of a single sample"),
            ResultField("samples_per_s", "evaluation throughput"),
        ],
        requires: ["model", "data"])

    static func run(_ inv: VerbInvocation, _ s: Session) throws -> Value {
        let model = try s.requireModel("eval")
        let bundle = try s.requireData("eval")
        let split = inv[Self.split].rawValue
        let data: Dataset
        switch split {
        case "val":
            guard let v = bundle.val else {
                throw VerbError("eval split=val needs a validation split", help: "load the data with val=0.1 (a fraction) or val=5000 (a count)")
            }
            data = v
        case "train": data = bundle.train
        default: data = bundle.test
        }
        let t0 = Date()
        let batchSize = inv.givenOptions.contains(Self.batch.name) ? inv[batch] : InternalBatch.size(for: model, preferred: inv[batch])
        let e = try Evaluator.evaluate(model, on: data, batchSize: batchSize, cancellation: s.cancellation)
        let throughput = Double(e.count) / max(Date().timeIntervalSince(t0), 1e-9)
        let size = try ModelMeasurement.measure(model)
        let latency = Latency.singleSample(model)
        var fields: [(String, Value)] = [("accuracy", .number(e.top1))]
        if let t5 = e.top5 { fields.append(("top5", .number(t5))) }
        fields += [("loss", .number(e.loss)), ("params", .number(Double(size.parameters))),
                   ("nonzero", .number(Double(size.nonZeroParameters))), ("sparsity", .number(size.sparsity)),
                   ("flops", .number(Double(size.flopsDense))), ("flops_effective", .number(Double(size.flopsEffective))),
                   ("latency_ms", .number(latency)),
                   ("samples_per_s", .number(throughput))]
        s.say(String(format: "eval %@: accuracy %.2f%%%@, loss %.4f, %@, latency %.3f ms",
                     split, e.top1 * 100, e.top5.map { String(format: " (top-5 %.2f%%)", $0 * 100) } ?? "", e.loss,
                     sizeText(size, loaded: s.modelState?.dense), latency))
        s.logEvent(.eval(.init(split: split, accuracy: e.top1, top5: e.top5, loss: e.loss, params: Double(size.parameters),
                               nonzero: Double(size.nonZeroParameters), sparsity: size.sparsity,
                               flops: Double(size.flopsDense), flopsEffective: Double(size.flopsEffective),
                               latencyMs: latency, samplesPerSecond: throughput)))
        return .record(Record(fields))
    }
}

extension EvalVerb {
    /// Size and FLOPs; against the model as loaded when structured pruning made it smaller, since
    /// then every remaining weight may be non-zero and "sparsity 0.0%" would hide what was removed.
    static func sizeText(_ size: ModelMeasurement, loaded: ModelMeasurement?) -> String {
        let sparsity = String(format: "sparsity %.1f%%", size.sparsity * 100)
        guard let loaded, loaded.parameters != size.parameters || loaded.flopsDense != size.flopsDense else {
            return "params \(size.parameters.formatted()) (\(size.nonZeroParameters.formatted()) non-zero, \(sparsity)), "
                + "\(size.flopsEffective.formatted()) effective FLOPs"
        }
        let zeros = size.nonZeroParameters < size.parameters ? ", \(size.nonZeroParameters.formatted()) non-zero (\(sparsity))" : ""
        return "params \(change(loaded.parameters, size.parameters))\(zeros), FLOPs \(change(loaded.flopsDense, size.flopsDense))"
            + (size.flopsEffective < size.flopsDense ? " (\(size.flopsEffective.formatted()) effective)" : "")
    }

    /// "61,706 -> 30,120 (-51.2%)".
    static func change(_ before: Int, _ after: Int) -> String {
        let percent = before == 0 ? 0 : (Double(after) / Double(before) - 1) * 100
        return "\(before.formatted()) -> \(after.formatted()) (\(String(format: "%+.1f%%", percent)))"
    }
}

enum Latency {
    /// Median of 15 single-sample forward passes after 3 warm-ups, in milliseconds.
    static func singleSample(_ model: Model) -> Double {
        let x = Tensor(shape: [1] + model.inputShape)
        var times: [Double] = []
        for i in 0..<18 {
            let t0 = DispatchTime.now().uptimeNanoseconds
            _ = model.forward(x, mode: .eval)
            if i >= 3 { times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6) }
        }
        times.sort()
        return times[times.count / 2]
    }
}

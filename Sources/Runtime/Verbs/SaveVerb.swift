import Engine
import Foundation
import Language
import ONNX

/// `save PATH`: weights, masks and architecture as safetensors (written atomically).
/// `export PATH`: ONNX inference graph (masked weights as their effective values).
enum SaveVerb {
    static let savePath = RequiredArgument<String>.text("path", .path, help: "file to write, e.g. \"model.safetensors\"")
    static let exportPath = RequiredArgument<String>.text("path", .path, help: "file to write, e.g. \"model.onnx\"")

    static let save = VerbSignature(
        "save", summary: "write the model (weights, masks, architecture) as .safetensors",
        arguments: [savePath.argument],
        requires: ["model"])

    static let export = VerbSignature(
        "export", summary: "write the model as ONNX",
        arguments: [exportPath.argument],
        requires: ["model"])

    static func runSave(_ inv: VerbInvocation, _ s: Session) throws -> Value {
        let model = try s.requireModel("save")
        let path = try inv[savePath]
        let url = try s.paths.resolveForWriting(path, purpose: "save")
        guard url.pathExtension.lowercased() == "safetensors" else {
            throw VerbError("save writes .safetensors files; '\(path)' has another extension",
                            help: "name the file e.g. \"\(url.deletingPathExtension().lastPathComponent).safetensors\", or use export for ONNX")
        }
        do {
            try ModelFile.save(model, to: url, metadata: ["prn.seed": String(s.seed), "prn.data": s.dataState?.description ?? "",
                                                          "prn.version": PrnVersion.string,
                                                          ModelVariantKey.name: s.modelState?.variant ?? ""])
        } catch {
            throw VerbError("could not write \(path): \(error)", cause: error)
        }
        s.say("saved \(path)")
        s.logEvent(.save(.init(path: path)))
        return .string(url.path)
    }

    static func runExport(_ inv: VerbInvocation, _ s: Session) throws -> Value {
        let model = try s.requireModel("export")
        let path = try inv[exportPath]
        let url = try s.paths.resolveForWriting(path, purpose: "export")
        guard url.pathExtension.lowercased() == "onnx" else {
            throw VerbError("export writes .onnx files; '\(path)' has another extension",
                            help: "name the file e.g. \"\(url.deletingPathExtension().lastPathComponent).onnx\", or use save for .safetensors")
        }
        do {
            try ONNXExport.write(model, to: url, producerVersion: PrnVersion.string)
        } catch {
            throw VerbError("could not export \(path): \(error)", cause: error)
        }
        s.say("exported \(path) (ONNX opset \(ONNXExport.opset))")
        s.logEvent(.export(.init(path: path)))
        return .string(url.path)
    }
}

/// The model-file metadata key that keeps `ModelState.variant` (how the model was trained).
enum ModelVariantKey {
    static let name = "prn.variant"
}

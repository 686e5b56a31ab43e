import Engine
import Foundation
import Language

/// `save PATH`: weights, masks and architecture as safetensors (written atomically).
/// `export PATH`: ONNX, not built yet: it says so instead of writing something else.
enum SaveVerb {
    static let save = VerbSignature(
        "save", summary: "write the model (weights, masks, architecture) as .safetensors",
        arguments: [ArgumentSpec("path", .path, help: "file to write, e.g. \"model.safetensors\"")],
        requires: ["model"])

    static let export = VerbSignature(
        "export", summary: "write the model as ONNX",
        arguments: [ArgumentSpec("path", .path, help: "file to write, e.g. \"model.onnx\"")],
        requires: ["model"])

    static func runSave(_ inv: VerbInvocation, _ s: Session) throws -> Value {
        let model = try s.requireModel("save")
        let path = inv.text("path") ?? ""
        let url = try s.paths.resolve(path, purpose: "save")
        guard url.pathExtension.lowercased() == "safetensors" else {
            throw VerbError("save writes .safetensors files; '\(path)' has another extension",
                            help: "name the file e.g. \"\(url.deletingPathExtension().lastPathComponent).safetensors\", or use export for ONNX")
        }
        do {
            try ModelFile.save(model, to: url, metadata: ["prn.seed": String(s.seed), "prn.data": s.dataDescription,
                                                          "prn.version": PrnVersion.string])
        } catch {
            throw VerbError("could not write \(path): \(error)")
        }
        s.say("saved \(path)")
        s.logEvent("save", ["path": url.path])
        return .string(url.path)
    }

    static func runExport(_ inv: VerbInvocation, _ s: Session) throws -> Value {
        _ = try s.requireModel("export")
        throw VerbError("ONNX export is not available yet in this version of prn",
                        help: "use save \"model.safetensors\" (readable by PyTorch via the safetensors package)")
    }
}

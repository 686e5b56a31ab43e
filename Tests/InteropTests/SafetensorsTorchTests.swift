import Engine
import Foundation
import XCTest

/// prn's .safetensors files load into the PyTorch modules of scripts/prn_models.py (strictly)
/// and give prn's logits; channel-pruned files load through the stored architecture.
final class SafetensorsTorchTests: XCTestCase {
    static let runner = #"""
    import json, sys
    import numpy as np
    import torch
    from safetensors import safe_open
    import prn_models

    torch.set_num_threads(1)
    for c in json.load(open(sys.argv[1])):
        with safe_open(c["file"], framework="np") as f:
            keys = sorted(f.keys())
            assert (f.metadata() or {}).get("prn.format") == "prn-model-1", f.metadata()
        if c["structure"] == "zoo":
            model = prn_models.build(c["zoo"], tuple(c["sample"]), 10, width=c["width"], norm=c["norm"])
        else:
            model = prn_models.from_prn_file(c["file"])
            model.eval()
        if c["structure"] == "zoo":
            prn_models.load_prn(model, c["file"], masks=c["masks"])
        model.eval()
        x = torch.from_numpy(np.fromfile(c["input"], dtype="<f4").reshape(c["shape"]))
        with torch.no_grad():
            y = model(x).numpy()
        y.astype("<f4").tofile(c["output"])
        print(c["label"], c["masks"], len(keys), "tensors")
    """#

    func testPyTorchModulesLoadPrnFilesAndGiveTheSameLogits() throws {
        let python = try PythonRunner.require(["torch", "safetensors", "numpy"])
        let dir = try makeWorkDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var manifest: [[String: Any]] = []
        var expected: [String: [Float]] = [:]
        for c in try ModelFixtures.all() {
            let x = ModelFixtures.input(c.inputShape, batch: 3)
            let file = dir.appendingPathComponent("\(c.label).safetensors")
            try ModelFile.save(c.model, to: file)
            let input = dir.appendingPathComponent("\(c.label).in")
            try RawFloats.write(x.array, to: input)
            expected[c.label] = ModelFixtures.logits(c.model, x)
            let pruned = c.label.contains("channels")
            let masked = c.model.parameters.contains { $0.mask != nil }
            for masks in masked ? ["apply", "prune"] : ["apply"] {
                let key = "\(c.label)-\(masks)"
                manifest.append(["label": key, "file": file.path, "input": input.path, "shape": x.shape,
                                 "sample": c.inputShape, "zoo": c.zoo, "width": c.width,
                                 "norm": c.norm?.rawValue ?? Zoo.defaultNorm(c.zoo).rawValue,
                                 "structure": pruned ? "stored" : "zoo", "masks": masks,
                                 "output": dir.appendingPathComponent("\(key).out").path])
                expected[key] = expected[c.label]
            }
        }
        let manifestURL = dir.appendingPathComponent("cases.json")
        try JSONSerialization.data(withJSONObject: manifest).write(to: manifestURL)
        let log = try PythonRunner.script(python, Self.runner, in: dir, arguments: [manifestURL.path])
        for c in manifest {
            let label = c["label"] as? String ?? ""
            let got = try RawFloats.read(URL(fileURLWithPath: c["output"] as? String ?? ""))
            let want = expected[label] ?? []
            XCTAssertEqual(got.count, want.count, "\(label): PyTorch output size\n\(log)")
            guard got.count == want.count else { continue }
            XCTAssertLessThanOrEqual(maxAbsDifference(got, want), 1e-4, "\(label): PyTorch logits differ from prn's")
        }
    }
}

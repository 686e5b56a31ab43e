import Engine
import Foundation

/// Elementwise activations, including the multi-node forms PyTorch exports at opsets without a
/// single operator for them: SiLU as Sigmoid + Mul, HardSwish as HardSigmoid + Mul, and the exact
/// GELU as Div(sqrt 2) / Erf / Add(1) / Mul(x) / Mul(0.5). A pattern becomes one prn layer.
extension GraphImporter {
    mutating func elementwise(_ n: Onnx_NodeProto, _ k: Int) throws {
        let x = try activation(n, k, 0)
        let here = label(n, k)
        var layer: Layer
        var output = n.output.first
        switch n.opType {
        case "Sigmoid":
            layer = Sigmoid()
            if let m = gatingMul(after: n, input: n.input[0]) {
                layer = SiLU()
                output = m.output
                absorbed.insert(m.index)
            }
        case "Tanh": layer = Tanh()
        case "LeakyRelu": layer = LeakyReLU(alpha: float(n, "alpha", default: 0.01))
        case "HardSwish": layer = HardSwish()
        case "HardSigmoid":
            let alpha = float(n, "alpha", default: 0.2), beta = float(n, "beta", default: 0.5)
            layer = HardSigmoid(alpha: alpha, beta: beta)
            if abs(alpha - 1.0 / 6) < 1e-6, beta == 0.5, let m = gatingMul(after: n, input: n.input[0]) {
                layer = HardSwish()
                output = m.output
                absorbed.insert(m.index)
            }
        case "Clip":
            let (lo, hi) = try clipBounds(n, k)
            guard lo <= hi else { throw ONNXError(.unsupported, "\(here): min \(lo) exceeds max \(hi)") }
            layer = Clip(min: lo, max: hi)
        case "Gelu":
            let approximate = attribute(n, "approximate").map { String(decoding: $0.s, as: UTF8.self) } ?? "none"
            guard approximate == "none" else {
                throw ONNXError(.unsupported, "\(here): approximate=\(approximate); prn imports the exact GELU (approximate='none')")
            }
            layer = GELU()
        case "Div":
            guard let tail = geluPattern(n) else {
                throw ONNXError(.unsupported, "\(here): prn imports Div only as the first node of GELU's erf form, x / sqrt(2)")
            }
            layer = GELU()
            output = graph.node[tail.last ?? k].output.first
            absorbed.formUnion(tail)
        default:
            throw unsupported(n, k)
        }
        try add(n, k, name: nodeName(n, k), layer, inputs: [x], shape: x.shape, output: output)
    }

    /// Clip's bounds: attributes before opset 11, optional constant inputs after; an absent
    /// side is open (the largest finite float, since model files hold finite numbers).
    func clipBounds(_ n: Onnx_NodeProto, _ k: Int) throws -> (Float, Float) {
        let big = Float.greatestFiniteMagnitude
        var lo = attribute(n, "min").map(\.f) ?? -big, hi = attribute(n, "max").map(\.f) ?? big
        for (slot, isMin) in [(1, true), (2, false)] {
            guard let (name, t) = try constant(n, k, slot, required: false) else { continue }
            guard t.count == 1 else {
                throw ONNXError(.unsupported, "\(label(n, k)): bound '\(name)' has \(t.count) values; Clip bounds must be scalars")
            }
            if isMin { lo = Swift.max(t[0], -big) } else { hi = Swift.min(t[0], big) }
        }
        return (lo, hi)
    }

    /// The node reading `value` when it is read by exactly one node and is not a graph output.
    func soleReader(_ value: String) -> Int? {
        guard let r = readers[value], r.count == 1, !graph.output.contains(where: { $0.name == value }) else { return nil }
        return r[0]
    }

    /// A scalar float constant by value name, also from a Constant node later in the graph
    /// (PyTorch places each Constant right before its use, after the pattern's first node).
    func scalarConstant(_ name: String) -> Float? {
        let t = constants[name] ?? graph.node.first(where: { $0.opType == "Constant" && $0.output.first == name })
            .flatMap { c in c.attribute.first { $0.name == "value" && $0.hasT }?.t }
        guard let t, let v = try? ONNXTensors.floats(t, context: name), v.count == 1 else { return nil }
        return v[0]
    }

    /// Mul(input, gate) reading the gate node's only output: x * sigmoid(x) or x * hardsigmoid(x).
    func gatingMul(after gate: Onnx_NodeProto, input: String) -> (index: Int, output: String?)? {
        guard let g = gate.output.first, let m = soleReader(g) else { return nil }
        let mul = graph.node[m]
        guard mul.opType == "Mul", mul.domain.isEmpty, Set(mul.input) == Set([input, g]), mul.input.count == 2 else { return nil }
        return (m, mul.output.first)
    }

    /// The nodes after Div(x, sqrt 2) that complete GELU: Erf, Add(1), Mul(x), Mul(0.5), in order.
    func geluPattern(_ div: Onnx_NodeProto) -> [Int]? {
        guard div.input.count == 2, let c = scalarConstant(div.input[1]), abs(c - Float(2).squareRoot()) < 1e-5,
              let x = div.input.first, let d = div.output.first,
              let e = soleReader(d), graph.node[e].opType == "Erf", let eOut = graph.node[e].output.first,
              let a = soleReader(eOut), graph.node[a].opType == "Add", let aOut = graph.node[a].output.first,
              graph.node[a].input.contains(where: { $0 != eOut && scalarConstant($0) == 1 }),
              let m = soleReader(aOut), graph.node[m].opType == "Mul", Set(graph.node[m].input) == Set([x, aOut]),
              let mOut = graph.node[m].output.first,
              let h = soleReader(mOut), graph.node[h].opType == "Mul",
              graph.node[h].input.contains(where: { $0 != mOut && scalarConstant($0) == 0.5 })
        else { return nil }
        return [e, a, m, h]
    }
}

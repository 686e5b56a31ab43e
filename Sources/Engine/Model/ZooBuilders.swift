/// Builders for the zoo's networks (see Zoo.swift for names and options).
extension Zoo {
    /// Appends nodes named "0", "1", ... like a PyTorch nn.Sequential (optionally under a prefix).
    struct Sequential {
        let model: Model
        let prefix: String
        var index = 0
        init(_ model: Model, prefix: String = "") { self.model = model; self.prefix = prefix }
        @discardableResult
        mutating func add(_ layer: Layer) -> Int {
            defer { index += 1 }
            return model.add(prefix + String(index), layer)
        }
    }

    static func normLayer(_ norm: NormKind, _ channels: Int, _ rng: inout RandomStream) -> Layer? {
        switch norm {
        case .bn: return BatchNorm(channels)
        case .sigmoid:
            let s = SigmoidBatchNorm(channels)
            s.initialize(&rng)
            return s
        case .none: return nil
        }
    }

    static func mlp(_ o: ZooOptions, hidden: [Int], norm: NormKind, _ rng: inout RandomStream) throws -> Model {
        let m = Model(inputShape: o.inputShape, classes: o.classes)
        var seq = Sequential(m)
        seq.add(Flatten())
        var fan = o.inputShape.reduce(1, *)
        for h in hidden {
            let width = scaled(h, o.width)
            let fc = Linear(fan, width)
            fc.initialize(&rng)
            seq.add(fc)
            if let n = normLayer(norm, width, &rng) { seq.add(n) }
            seq.add(ReLU())
            fan = width
        }
        let out = Linear(fan, o.classes)
        out.initialize(&rng)
        seq.add(out)
        return m
    }

    static func lenet5(_ o: ZooOptions, norm: NormKind, _ rng: inout RandomStream) throws -> Model {
        let (c, _, _) = try imageShape(o, "lenet5")
        let m = Model(inputShape: o.inputShape, classes: o.classes)
        var seq = Sequential(m)
        let c1 = scaled(6, o.width), c2 = scaled(16, o.width)
        for (i, (cin, cout)) in [(c, c1), (c1, c2)].enumerated() {
            let conv = Conv2d(cin, cout, kernel: 5, padding: i == 0 ? 2 : 0, bias: norm == .none)
            conv.initialize(&rng, .pytorchDefault)
            seq.add(conv)
            if let n = normLayer(norm, cout, &rng) { seq.add(n) }
            seq.add(ReLU())
            seq.add(MaxPool2d(kernel: 2))
        }
        seq.add(Flatten())
        let flat = try m.shapes().last!.reduce(1, *)
        var fan = flat
        for h in [120, 84] {
            let width = scaled(h, o.width)
            let fc = Linear(fan, width)
            fc.initialize(&rng)
            seq.add(fc)
            seq.add(ReLU())
            fan = width
        }
        let out = Linear(fan, o.classes)
        out.initialize(&rng)
        seq.add(out)
        return m
    }

    enum VGGStyle { case small, cifar }

    /// `plan`: output channels per conv, 0 for a 2x2 max-pool (skipped once the image is 1x1,
    /// so the deep VGGs also run on 28x28 data).
    static func vgg(_ o: ZooOptions, plan: [Int], style: VGGStyle, norm: NormKind,
                    _ rng: inout RandomStream) throws -> Model {
        let (c, h, _) = try imageShape(o, style == .small ? "vgg-small" : "vgg")
        let m = Model(inputShape: o.inputShape, classes: o.classes)
        var seq = Sequential(m, prefix: style == .small ? "" : "features.")
        var cin = c, size = h
        for step in plan {
            if step == 0 {
                if size >= 2 { seq.add(MaxPool2d(kernel: 2)); size /= 2 }
                continue
            }
            let cout = scaled(step, o.width)
            // vgg-small matches the benchmark reference exactly (conv bias kept beside BN).
            let conv = Conv2d(cin, cout, kernel: 3, padding: 1, bias: style == .small || norm == .none)
            conv.initialize(&rng, style == .small ? .pytorchDefault : .kaimingNormalFanOut)
            seq.add(conv)
            if let n = normLayer(norm, cout, &rng) { seq.add(n) }
            seq.add(ReLU())
            cin = cout
        }
        seq.add(Flatten())
        let flat = try m.shapes().last!.reduce(1, *)
        let fc = Linear(flat, o.classes)
        fc.initialize(&rng)
        if style == .small { seq.add(fc) } else { m.add("classifier", fc) }
        return m
    }

    static func resnet(_ o: ZooOptions, blocks: Int, norm: NormKind, _ rng: inout RandomStream) throws -> Model {
        let (c, _, _) = try imageShape(o, "resnet")
        let m = Model(inputShape: o.inputShape, classes: o.classes)
        func convNorm(_ name: String, _ cin: Int, _ cout: Int, stride: Int, input: Int,
                      _ rng: inout RandomStream) -> Int {
            let conv = Conv2d(cin, cout, kernel: 3, stride: stride, padding: 1, bias: norm == .none)
            conv.initialize(&rng, .kaimingNormalFanIn)
            var last = m.add(name.replacingOccurrences(of: "#", with: "conv"), conv, inputs: [input])
            if let n = normLayer(norm, cout, &rng) { last = m.add(name.replacingOccurrences(of: "#", with: "bn"), n) }
            return last
        }
        let stem = scaled(16, o.width)
        var x = convNorm("#1", c, stem, stride: 1, input: 0, &rng)
        x = m.add("relu", ReLU())
        var cin = stem
        for stage in 0..<3 {
            let planes = scaled(16 << stage, o.width)
            for b in 0..<blocks {
                let stride = (stage > 0 && b == 0) ? 2 : 1
                let p = "layer\(stage + 1).\(b)."
                let blockInput = x
                _ = convNorm(p + "#1", cin, planes, stride: stride, input: blockInput, &rng)
                m.add(p + "relu1", ReLU())
                let body = convNorm(p + "#2", planes, planes, stride: 1, input: m.last, &rng)
                var shortcut = blockInput
                if stride != 1 || cin != planes {
                    let extra = planes - cin
                    shortcut = m.add(p + "shortcut", ShortcutA(stride: stride, padBefore: extra / 2, padAfter: extra - extra / 2),
                                     inputs: [blockInput])
                }
                m.add(p + "add", Add(), inputs: [body, shortcut])
                x = m.add(p + "relu2", ReLU())
                cin = planes
            }
        }
        m.add("pool", GlobalAvgPool())
        let fc = Linear(cin, o.classes)
        fc.initialize(&rng)
        m.add("linear", fc)
        return m
    }
}

/// The layers a model definition may use: their arguments, options and shape rules. Each
/// becomes one engine layer (its `kind` and `config` are those of the engine's LayerFactory),
/// so a defined model is built, saved, pruned and exported exactly like a zoo model.
public struct LayerSpec: Sendable {
    public struct Slot: Sendable {
        public var name: String
        public var type: ValueType
        public var defaultValue: CheckedValue?
        public var help: String
    }

    public var name: String
    public var summary: String
    public var arguments: [Slot]
    public var options: [Slot]
    /// Output kind, config and shape for one input shape and the bound values; a throw names
    /// what does not fit.
    let shape: @Sendable (_ input: [Int], _ values: LayerValues) throws -> PlannedLayer

    public func slot(named name: String) -> Slot? {
        arguments.first { $0.name == name } ?? options.first { $0.name == name }
    }

    /// `conv OUT KERNEL [stride=int] ...`, for help and documentation.
    public var synopsis: String {
        ([name] + arguments.map { $0.defaultValue == nil ? $0.name.uppercased() : "[\($0.name.uppercased())]" }
            + options.map { "[\($0.name)=\($0.type.shortName)]" }).joined(separator: " ")
    }
}

/// One layer as the engine stores it.
public struct PlannedLayer: Sendable, Equatable {
    public var kind: String
    public var config: [String: Double]
    public var shape: [Int]
}

/// Why a layer does not fit its input. `blamesInput` adds a note at the layer that produced
/// the input, so a mismatch names both places.
public struct LayerShapeProblem: Error, Sendable {
    public var message: String
    public var help: String?
    public var blamesInput: Bool

    init(_ message: String, help: String? = nil, blamesInput: Bool = true) {
        self.message = message
        self.help = help
        self.blamesInput = blamesInput
    }
}

/// The values bound to a layer's slots (defaults filled in).
public struct LayerValues: Sendable {
    var values: [String: CheckedValue]
    var given: Set<String>

    func int(_ name: String) -> Int {
        if case .number(let v)? = values[name] { return Int(v) }
        return 0
    }

    func number(_ name: String) -> Double {
        if case .number(let v)? = values[name] { return v }
        return 0
    }

    func flag(_ name: String) -> Bool {
        if case .bool(let b)? = values[name] { return b }
        return false
    }

    func word(_ name: String) -> String? { values[name]?.wordOrString }
    func has(_ name: String) -> Bool { given.contains(name) }
}

public enum ModelLayers {
    /// Widths, kernels and strides above this are refused before anything is allocated.
    public static let maxSize = 1 << 20

    static let count = ValueType.integer(min: 1, max: maxSize)
    static let padding = ValueType.integer(min: 0, max: maxSize)
    static func slot(_ name: String, _ type: ValueType, _ defaultValue: CheckedValue? = nil, _ help: String) -> LayerSpec.Slot {
        LayerSpec.Slot(name: name, type: type, defaultValue: defaultValue, help: help)
    }

    static func image(_ input: [Int], _ layer: String) throws -> (c: Int, h: Int, w: Int) {
        guard input.count == 3 else {
            throw LayerShapeProblem("\(layer) needs an image input [C, H, W], but its input is \(show(input))",
                                    help: "\(layer) belongs before the 'flatten' (or 'avgpool global') that turns images into vectors")
        }
        return (input[0], input[1], input[2])
    }

    /// The spatial size after a window: floor((n + 2 pad - k) / stride) + 1.
    static func window(_ n: Int, kernel: Int, stride: Int, pad: Int, _ layer: String, _ input: [Int]) throws -> Int {
        guard n + 2 * pad >= kernel else {
            throw LayerShapeProblem("\(layer) window \(kernel) does not fit its \(input[1])x\(input[2]) input\(pad > 0 ? " padded by \(pad)" : "")",
                                    help: "use a smaller kernel, more padding, or fewer downsampling layers before it")
        }
        return (n + 2 * pad - kernel) / stride + 1
    }

    static func checkIn(_ values: LayerValues, _ key: String, _ actual: Int, _ layer: String, _ what: String) throws {
        guard values.has(key) else { return }
        let expected = values.int(key)
        guard expected == actual else {
            throw LayerShapeProblem("\(layer) \(key)=\(expected) expects \(expected) input \(what), but its input has \(actual)",
                                    help: "make the layer before it output \(expected) \(what), or write \(key)=\(actual)")
        }
    }

    public static func show(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }

    static func activation(_ name: String, _ kind: String, _ summary: String) -> LayerSpec {
        LayerSpec(name: name, summary: summary, arguments: [], options: []) { input, _ in
            PlannedLayer(kind: kind, config: [:], shape: input)
        }
    }

    public static let specs: [LayerSpec] = [
        LayerSpec(name: "conv", summary: "2-D convolution; input channels come from the layer before",
                  arguments: [slot("out", count, nil, "output channels"), slot("kernel", count, nil, "square kernel size")],
                  options: [slot("stride", count, .number(1), "step of the window"),
                            slot("pad", padding, .number(0), "zero padding on every side"),
                            slot("groups", count, .number(1), "grouped convolution: channels split into this many groups"),
                            slot("bias", .bool, .bool(true), "add a learned bias per channel"),
                            slot("in_channels", count, nil, "input channels the layer expects, checked against the layer before")]) { input, v in
            let (c, h, w) = try image(input, "conv")
            try checkIn(v, "in_channels", c, "conv", "channels")
            let out = v.int("out"), k = v.int("kernel"), s = v.int("stride"), p = v.int("pad"), g = v.int("groups")
            guard c % g == 0 else {
                throw LayerShapeProblem("conv groups=\(g) needs input channels divisible by \(g), but its input has \(c)",
                                        help: "choose groups dividing \(c)")
            }
            guard out % g == 0 else {
                throw LayerShapeProblem("conv groups=\(g) needs output channels divisible by \(g), found \(out)",
                                        help: "choose groups dividing \(out)", blamesInput: false)
            }
            let shape = [out, try window(h, kernel: k, stride: s, pad: p, "conv", input),
                         try window(w, kernel: k, stride: s, pad: p, "conv", input)]
            let bias: Double = v.flag("bias") ? 1 : 0
            if g == 1 {
                return PlannedLayer(kind: "conv2d", config: ["in": Double(c), "out": Double(out), "kernel": Double(k),
                                                              "stride": Double(s), "padding": Double(p), "bias": bias], shape: shape)
            }
            return PlannedLayer(kind: "general-conv2d",
                                config: ["in": Double(c), "out": Double(out), "kernel_h": Double(k), "kernel_w": Double(k),
                                         "stride_h": Double(s), "stride_w": Double(s), "padding_h": Double(p), "padding_w": Double(p),
                                         "dilation_h": 1, "dilation_w": 1, "groups": Double(g), "bias": bias], shape: shape)
        },
        LayerSpec(name: "dense", summary: "fully connected layer; needs a vector input",
                  arguments: [slot("out", count, nil, "output units")],
                  options: [slot("bias", .bool, .bool(true), "add a learned bias per unit"),
                            slot("in_features", count, nil, "input features the layer expects, checked against the layer before")]) { input, v in
            guard input.count == 1 else {
                throw LayerShapeProblem("dense needs a vector input, but its input is \(show(input))",
                                        help: "add 'flatten' (or 'avgpool global') before it")
            }
            try checkIn(v, "in_features", input[0], "dense", "features")
            return PlannedLayer(kind: "linear", config: ["in": Double(input[0]), "out": Double(v.int("out")),
                                                          "bias": v.flag("bias") ? 1 : 0], shape: [v.int("out")])
        },
        LayerSpec(name: "bn", summary: "batch normalisation over the channels (or features) of its input",
                  arguments: [], options: []) { input, _ in
            PlannedLayer(kind: "batchnorm", config: ["channels": Double(input[0]), "eps": 1e-5, "momentum": 0.1], shape: input)
        },
        LayerSpec(name: "sigmoid-bn", summary: "sigmoid batch normalisation (scale sigma(theta), no shift), for receding importances",
                  arguments: [], options: []) { input, _ in
            PlannedLayer(kind: "sigmoid-batchnorm", config: ["channels": Double(input[0]), "eps": 1e-5, "momentum": 0.1], shape: input)
        },
        activation("relu", "relu", "max(0, x)"),
        activation("sigmoid", "sigmoid", "1 / (1 + exp(-x))"),
        activation("tanh", "tanh", "hyperbolic tangent"),
        activation("gelu", "gelu", "Gaussian error linear unit"),
        activation("silu", "silu", "x * sigmoid(x)"),
        activation("hard-swish", "hard-swish", "x * hard-sigmoid(x)"),
        LayerSpec(name: "leaky-relu", summary: "x, or alpha * x below 0", arguments: [],
                  options: [slot("alpha", .number(min: Bound(0), max: Bound(1)), .number(0.01), "slope below 0")]) { input, v in
            PlannedLayer(kind: "leaky-relu", config: ["alpha": v.number("alpha")], shape: input)
        },
        LayerSpec(name: "hard-sigmoid", summary: "max(0, min(1, alpha * x + beta))", arguments: [],
                  options: [slot("alpha", .anyNumber, .number(0.2), "slope"), slot("beta", .anyNumber, .number(0.5), "offset")]) { input, v in
            PlannedLayer(kind: "hard-sigmoid", config: ["alpha": v.number("alpha"), "beta": v.number("beta")], shape: input)
        },
        LayerSpec(name: "clip", summary: "min(max(x, min), max), e.g. clip min=0 max=6 for ReLU6", arguments: [],
                  options: [slot("min", .number(min: Bound(-1e30), max: Bound(1e30)), .number(0), "lower bound"),
                            slot("max", .number(min: Bound(-1e30), max: Bound(1e30)), .number(6), "upper bound")]) { input, v in
            guard v.number("min") <= v.number("max") else {
                throw LayerShapeProblem("clip min=\(formatNumber(v.number("min"))) is above max=\(formatNumber(v.number("max")))",
                                        blamesInput: false)
            }
            return PlannedLayer(kind: "clip", config: ["min": v.number("min"), "max": v.number("max")], shape: input)
        },
        LayerSpec(name: "maxpool", summary: "max over square windows",
                  arguments: [slot("kernel", count, nil, "window size")],
                  options: [slot("stride", count, nil, "step of the window (default: the kernel)"),
                            slot("pad", padding, .number(0), "padding on every side, at most half the kernel")]) { input, v in
            let (c, h, w) = try image(input, "maxpool")
            let k = v.int("kernel"), s = v.has("stride") ? v.int("stride") : k, p = v.int("pad")
            guard 2 * p <= k else {
                throw LayerShapeProblem("maxpool pad=\(p) is more than half the kernel (\(k))", blamesInput: false)
            }
            let shape = [c, try window(h, kernel: k, stride: s, pad: p, "maxpool", input),
                         try window(w, kernel: k, stride: s, pad: p, "maxpool", input)]
            var config = ["kernel": Double(k), "stride": Double(s)]
            if p > 0 { config["padding"] = Double(p) }
            return PlannedLayer(kind: "maxpool2d", config: config, shape: shape)
        },
        LayerSpec(name: "avgpool", summary: "mean over square windows, or over the whole image with 'global'",
                  arguments: [slot("kernel", .oneOf([count, .choice([Choice("global", "one value per channel: the mean of the whole image")])]),
                                   nil, "window size, or global")],
                  options: [slot("stride", count, nil, "step of the window (default: the kernel)")]) { input, v in
            let (c, h, w) = try image(input, "avgpool")
            if v.word("kernel") == "global" {
                return PlannedLayer(kind: "global-avgpool", config: [:], shape: [c])
            }
            let k = v.int("kernel"), s = v.has("stride") ? v.int("stride") : k
            let shape = [c, try window(h, kernel: k, stride: s, pad: 0, "avgpool", input),
                         try window(w, kernel: k, stride: s, pad: 0, "avgpool", input)]
            return PlannedLayer(kind: "avgpool2d", config: ["kernel": Double(k), "stride": Double(s)], shape: shape)
        },
        LayerSpec(name: "flatten", summary: "turn an image [C, H, W] into a vector of C*H*W features",
                  arguments: [], options: []) { input, _ in
            PlannedLayer(kind: "flatten", config: [:], shape: [input.reduce(1, *)])
        },
        LayerSpec(name: "dropout", summary: "zero each value with probability P while training",
                  arguments: [slot("p", .fraction(lowerOpen: false, upperOpen: true), nil, "probability of dropping a value")],
                  options: []) { input, v in
            PlannedLayer(kind: "dropout", config: ["p": v.number("p"), "seed": 0], shape: input)
        },
    ]

    public static let byName: [String: LayerSpec] = Dictionary(uniqueKeysWithValues: specs.map { ($0.name, $0) })
    public static var names: [String] { specs.map(\.name) }

    /// Shortcut choices of `residual`.
    public static let shortcuts = [
        Choice("identity", "the input itself (the default; shapes must match)"),
        Choice("conv", "a 1x1 convolution with the body's stride, then batch norm (projection)"),
        Choice("pad", "the input subsampled by the body's stride, channels padded with zeros (option A)"),
    ]
}

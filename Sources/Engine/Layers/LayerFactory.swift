/// A layer kind or config that cannot be rebuilt (from a model file or an architecture).
public struct LayerConfigError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Rebuilds any layer from its `kind` and `config` (the inverse of `Layer.kind`/`Layer.config`).
/// Weights come back zeroed (BatchNorm's at their defaults): loading fills them afterwards.
public enum LayerFactory {
    /// Every kind `make` knows, for error messages and round-trip tests.
    public static let kinds = ["linear", "relu", "conv2d", "batchnorm", "sigmoid-batchnorm", "maxpool2d",
                               "avgpool2d", "global-avgpool", "flatten", "dropout", "add", "shortcut-a", "sigmoid", "tanh",
                               "leaky-relu", "clip", "hard-sigmoid", "hard-swish", "gelu", "silu", "concat", "general-conv2d",
                               "softmax", "log-softmax", "layernorm", "mul"]

    public static func make(kind: String, config: [String: Double]) throws -> Layer {
        let c = Config(kind: kind, values: config)
        switch kind {
        case "linear":
            return Linear(try c.int("in", min: 1), try c.int("out", min: 1), bias: try c.flag("bias"))
        case "relu": return ReLU()
        case "conv2d":
            return Conv2d(try c.int("in", min: 1), try c.int("out", min: 1), kernel: try c.int("kernel", min: 1),
                          stride: try c.int("stride", min: 1), padding: try c.int("padding", min: 0),
                          bias: try c.flag("bias"))
        case "batchnorm":
            return BatchNorm(try c.int("channels", min: 1), eps: try c.eps(), momentum: try c.momentum())
        case "sigmoid-batchnorm":
            return SigmoidBatchNorm(try c.int("channels", min: 1), eps: try c.eps(), momentum: try c.momentum())
        case "maxpool2d":
            let kernel = try c.int("kernel", min: 1)
            let padding = c.values["padding"] == nil ? 0 : try c.int("padding", min: 0)
            guard 2 * padding <= kernel else { throw c.invalid("padding", Double(padding), "at most half the kernel (\(kernel))") }
            let ceil = c.values["ceil_mode"] == nil ? false : try c.flag("ceil_mode")
            return MaxPool2d(kernel: kernel, stride: try c.int("stride", min: 1), padding: padding, ceilMode: ceil)
        case "avgpool2d":
            // Padding, ceil mode and count_include_pad are absent from files written before them.
            let kernel = try c.int("kernel", min: 1)
            let padding = c.values["padding"] == nil ? 0 : try c.int("padding", min: 0)
            guard 2 * padding <= kernel else { throw c.invalid("padding", Double(padding), "at most half the kernel (\(kernel))") }
            let ceil = c.values["ceil_mode"] == nil ? false : try c.flag("ceil_mode")
            let includePad = c.values["count_include_pad"] == nil ? false : try c.flag("count_include_pad")
            return AvgPool2d(kernel: kernel, stride: try c.int("stride", min: 1), padding: padding, ceilMode: ceil,
                             countIncludePad: includePad)
        case "global-avgpool":
            return GlobalAvgPool(keepDims: c.values["keep_dims"] == nil ? false : try c.flag("keep_dims"))
        case "flatten": return Flatten()
        case "dropout":
            let p = try c.number("p")
            guard p >= 0 && p < 1 else { throw c.invalid("p", p, "a probability in [0, 1)") }
            let seed = try c.number("seed")
            guard seed >= 0, seed == seed.rounded(), seed < 18_446_744_073_709_551_616 else {
                throw c.invalid("seed", seed, "a non-negative whole number")
            }
            return Dropout(p: Float(p), seed: UInt64(seed))
        case "add": return Add()
        case "shortcut-a":
            return ShortcutA(stride: try c.int("stride", min: 1), padBefore: try c.int("pad_before", min: 0),
                             padAfter: try c.int("pad_after", min: 0))
        case "sigmoid": return Sigmoid()
        case "tanh": return Tanh()
        case "leaky-relu": return LeakyReLU(alpha: Float(try c.number("alpha")))
        case "clip":
            let lo = try c.number("min"), hi = try c.number("max")
            let limit = Double(Float.greatestFiniteMagnitude)
            guard abs(lo) <= limit else { throw c.invalid("min", lo, "a float32 number") }
            guard abs(hi) <= limit else { throw c.invalid("max", hi, "a float32 number") }
            guard lo <= hi else { throw c.invalid("min", lo, "at most max (\(hi))") }
            return Clip(min: Float(lo), max: Float(hi))
        case "hard-sigmoid": return HardSigmoid(alpha: Float(try c.number("alpha")), beta: Float(try c.number("beta")))
        case "hard-swish": return HardSwish()
        case "gelu": return GELU()
        case "silu": return SiLU()
        case "concat": return ConcatChannels()
        case "softmax": return Softmax()
        case "log-softmax": return Softmax(log: true)
        case "layernorm":
            let dims = try c.int("dims", min: 1)
            guard dims <= 3 else { throw c.invalid("dims", Double(dims), "1, 2 or 3 (the trailing dimensions of [F] or [C, H, W])") }
            let shape = try (0..<dims).map { try c.int("dim\($0)", min: 1) }
            // Its weight holds every normalised value: refuse sizes no input could have before allocating.
            guard shape.reduce(1.0, { $0 * Double($1) }) <= Double(1 << 28) else {
                throw c.invalid("dim0", Double(shape[0]), "dimensions whose product is at most 2^28")
            }
            return LayerNorm(shape, eps: try c.eps())
        case "mul": return Multiply()
        case "general-conv2d":
            let inC = try c.int("in", min: 1), outC = try c.int("out", min: 1), groups = try c.int("groups", min: 1)
            guard inC % groups == 0, outC % groups == 0 else {
                throw c.invalid("groups", Double(groups), "a divisor of in (\(inC)) and out (\(outC))")
            }
            return GeneralConv2d(inC, outC, kernel: (try c.int("kernel_h", min: 1), try c.int("kernel_w", min: 1)),
                                 stride: (try c.int("stride_h", min: 1), try c.int("stride_w", min: 1)),
                                 padding: (try c.int("padding_h", min: 0), try c.int("padding_w", min: 0)),
                                 dilation: (try c.int("dilation_h", min: 1), try c.int("dilation_w", min: 1)),
                                 groups: groups, bias: try c.flag("bias"))
        default:
            throw LayerConfigError("unknown layer kind '\(kind)'; known kinds: \(kinds.joined(separator: ", "))")
        }
    }

    /// Typed, validated reads of one layer's config.
    private struct Config {
        let kind: String
        let values: [String: Double]

        func invalid(_ key: String, _ v: Double, _ expected: String) -> LayerConfigError {
            LayerConfigError("\(kind): config key '\(key)' is \(v), expected \(expected)")
        }

        func number(_ key: String) throws -> Double {
            guard let v = values[key] else {
                throw LayerConfigError("\(kind): config is missing key '\(key)' (has: \(values.keys.sorted().joined(separator: ", ")))")
            }
            guard v.isFinite else { throw invalid(key, v, "a finite number") }
            return v
        }

        func int(_ key: String, min: Int) throws -> Int {
            let v = try number(key)
            guard v == v.rounded(), v >= Double(min), v <= 1e9 else {
                throw invalid(key, v, "a whole number >= \(min)")
            }
            return Int(v)
        }

        func flag(_ key: String) throws -> Bool {
            let v = try number(key)
            guard v == 0 || v == 1 else { throw invalid(key, v, "0 or 1") }
            return v == 1
        }

        func eps() throws -> Float {
            let v = try number("eps")
            guard v > 0 else { throw invalid("eps", v, "a positive number") }
            return Float(v)
        }

        func momentum() throws -> Float {
            let v = try number("momentum")
            guard v >= 0 && v <= 1 else { throw invalid("momentum", v, "a number in [0, 1]") }
            return Float(v)
        }
    }
}

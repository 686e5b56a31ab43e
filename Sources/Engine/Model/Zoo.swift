/// Normalisation layer used after each convolution (and hidden dense layer where a zoo model has
/// one): standard BatchNorm, the sigmoid BatchNorm of receding-importance pruning, or none.
public enum NormKind: String, Sendable, CaseIterable { case bn, sigmoid, none }

public struct ZooOptions: Sendable {
    /// Per-sample input shape [C, H, W] (or [F] for feature data); models adapt to it.
    public var inputShape: [Int]
    public var classes: Int
    public var norm: NormKind?
    /// Channel/unit multiplier (vgg11/vgg16/vgg-small/resnets/lenets); 1 = the reference widths.
    public var width: Double
    /// Hidden widths for `mlp` (before the multiplier).
    public var hidden: [Int]
    public var seed: UInt64

    public init(inputShape: [Int], classes: Int, norm: NormKind? = nil, width: Double = 1,
                hidden: [Int] = [300, 100], seed: UInt64 = 0) {
        self.inputShape = inputShape
        self.classes = classes
        self.norm = norm
        self.width = width
        self.hidden = hidden
        self.seed = seed
    }
}

/// A zoo model that cannot be built: the name is not in the zoo, or the data does not fit it.
public struct ZooError: Error, CustomStringConvertible {
    public enum Kind: String, Sendable { case unknownModel, unsuitableInput }
    public let kind: Kind
    public let description: String
}

/// The model zoo. Parameter names follow the equivalent PyTorch modules (Sequential indices for
/// the small models, torchvision-style `features.N`/`classifier` for VGG, and the common CIFAR
/// ResNet's `layerK.B.conv1`), so weights line up with PyTorch definitions of the same networks.
public enum Zoo {
    public static let names = ["mlp", "lenet300", "lenet5", "vgg-small", "vgg11", "vgg16", "resnet20", "resnet56"]

    /// One-line descriptions, for help text and completion.
    public static let summaries: [String: String] = [
        "mlp": "multilayer perceptron, hidden widths from hidden= (default 300,100)",
        "lenet300": "LeNet-300-100: 784-300-100-10 dense ReLU network",
        "lenet5": "LeNet-5: two 5x5 convs with max-pool, then 120-84 dense",
        "vgg-small": "three stages of two 3x3 convs (32, 64, 128) with BN, max-pool, linear",
        "vgg11": "CIFAR-style VGG-11 with BN, width= multiplier",
        "vgg16": "CIFAR-style VGG-16 with BN, width= multiplier",
        "resnet20": "CIFAR ResNet-20, option-A shortcuts",
        "resnet56": "CIFAR ResNet-56, option-A shortcuts",
    ]

    /// The norm each model uses when none is requested.
    public static func defaultNorm(_ name: String) -> NormKind {
        ["mlp", "lenet300", "lenet5"].contains(name) ? .none : .bn
    }

    public static func build(_ name: String, _ o: ZooOptions) throws -> Model {
        var rng = RandomStream(seed: o.seed, stream: "init")
        let norm = o.norm ?? defaultNorm(name)
        let model: Model
        switch name {
        case "mlp": model = try mlp(o, hidden: o.hidden, norm: norm, &rng)
        case "lenet300": model = try mlp(o, hidden: [300, 100], norm: norm, &rng)
        case "lenet5": model = try lenet5(o, norm: norm, &rng)
        case "vgg-small": model = try vgg(o, plan: [32, 32, 0, 64, 64, 0, 128, 128, 0], style: .small, norm: norm, &rng)
        case "vgg11": model = try vgg(o, plan: [64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0], style: .cifar, norm: norm, &rng)
        case "vgg16": model = try vgg(o, plan: [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0],
                                      style: .cifar, norm: norm, &rng)
        case "resnet20": model = try resnet(o, blocks: 3, norm: norm, &rng)
        case "resnet56": model = try resnet(o, blocks: 9, norm: norm, &rng)
        default:
            throw ZooError(kind: .unknownModel, description: "unknown model '\(name)'; the zoo has \(names.joined(separator: ", "))")
        }
        model.architecture = name
        _ = try model.shapes()
        return model
    }

    static func scaled(_ n: Int, _ w: Double) -> Int { max(1, Int((Double(n) * w).rounded())) }

    static func imageShape(_ o: ZooOptions, _ model: String) throws -> (c: Int, h: Int, w: Int) {
        guard o.inputShape.count == 3 else {
            throw ZooError(kind: .unsuitableInput, description: "\(model) needs image data [C,H,W]; this dataset has samples of shape \(o.inputShape)")
        }
        return (o.inputShape[0], o.inputShape[1], o.inputShape[2])
    }
}

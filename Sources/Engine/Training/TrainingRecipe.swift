/// How a network is trained when the script does not say: the optimizer settings, schedule and
/// batch that reach the network's usual accuracy. `train` and `finetune` fill every option the
/// script leaves out from the loaded model's recipe, so a bare `train epochs=15` trains well.
public struct TrainingRecipe: Sendable, Equatable {
    public var learningRate: Double
    public var momentum: Double
    public var nesterov: Bool
    public var weightDecay: Double
    public var schedule: LRSchedule
    public var batchSize: Int
    /// `finetune` restarts from trained weights, so it starts from a smaller rate than `train`.
    public var finetuneLearningRate: Double

    public init(learningRate: Double, momentum: Double = 0.9, nesterov: Bool = false, weightDecay: Double = 0,
                schedule: LRSchedule = .cosine(minimum: 0), batchSize: Int = 128, finetuneLearningRate: Double? = nil) {
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        self.schedule = schedule
        self.batchSize = batchSize
        self.finetuneLearningRate = finetuneLearningRate ?? learningRate / 10
    }

    /// For networks outside the zoo (ONNX imports, custom architectures): plain SGD with a
    /// constant rate, the defaults `train` had before recipes, which assume nothing about the
    /// network.
    public static let generic = TrainingRecipe(learningRate: 0.1, schedule: .constant)
}

extension Zoo {
    /// The recipe of a zoo network (the generic one for any other name). The LeNets' are the
    /// tuned stdlib/engine references; vgg-small's is stdlib/receding.prn's; VGG-11/16 and the
    /// CIFAR ResNets follow the usual CIFAR-10 recipes (SGD with momentum 0.9, lr 0.1, batch 128,
    /// cosine), with weight decay 5e-4 for VGG and 1e-4 for ResNet as in He et al. 2016.
    public static func recipe(for name: String) -> TrainingRecipe {
        switch name {
        case "mlp", "lenet300": return TrainingRecipe(learningRate: 0.1)
        case "lenet5": return TrainingRecipe(learningRate: 0.05, weightDecay: 5e-4, batchSize: 64)
        case "vgg-small": return TrainingRecipe(learningRate: 0.1, nesterov: true, weightDecay: 1e-4)
        case "vgg11", "vgg16": return TrainingRecipe(learningRate: 0.1, weightDecay: 5e-4)
        case "resnet20", "resnet56": return TrainingRecipe(learningRate: 0.1, weightDecay: 1e-4)
        default: return .generic
        }
    }
}

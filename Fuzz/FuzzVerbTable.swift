// Generated from the runtime's verb table by VerbTableSourceTests
// (PRN_REGENERATE=1 swift test --filter VerbTableSourceTests); do not edit by hand.
let fuzzVerbTable = VerbTable([
    VerbSignature("seed", summary: "seed every random stream; the same seed gives bitwise the same run", arguments: [
        ArgumentSpec("n", ValueType.integer(min: 0, max: 2147483647), help: "the seed"),
    ], provides: ["seed"]),
    VerbSignature("data", summary: "choose the dataset", arguments: [
        ArgumentSpec("name", ValueType.oneOf([ValueType.choice([Choice("mnist", "handwritten digits, 28x28 grey, 10 classes (IDX files)"), Choice("fashion-mnist", "clothing images, 28x28 grey, 10 classes (Debian: dataset-fashion-mnist)"), Choice("cifar10", "32x32 colour images, 10 classes (binary version)"), Choice("cifar100", "32x32 colour images, 100 classes (binary version)"), Choice("synthetic", "seeded Gaussian clusters, for tests and demonstrations")]), ValueType.path]), help: "a dataset name or a folder path", noun: "dataset"),
    ], options: [
        OptionSpec("val", ValueType.number(min: Bound(0.0, inclusive: true), max: Bound(100000000.0, inclusive: true)), default: DefaultValue.number(0.0), help: "validation split taken from train: a fraction below 1 or a sample count (0 = none)"),
        OptionSpec("subset", ValueType.integer(min: 1, max: nil), help: "keep only the first N train and test samples"),
    ], resultFields: [ResultField("train", "training samples"), ResultField("test", "test samples"), ResultField("classes", "number of classes")], provides: ["data"]),
    VerbSignature("load", summary: "bring a model into the session (a zoo name, a .safetensors file saved by prn, or an .onnx model)", arguments: [
        ArgumentSpec("model", ValueType.oneOf([ValueType.choice([Choice("mlp", "multilayer perceptron, hidden widths from hidden= (default 300,100)"), Choice("lenet300", "LeNet-300-100: 784-300-100-10 dense ReLU network"), Choice("lenet5", "LeNet-5: two 5x5 convs with max-pool, then 120-84 dense"), Choice("vgg-small", "three stages of two 3x3 convs (32, 64, 128) with BN, max-pool, linear"), Choice("vgg11", "CIFAR-style VGG-11 with BN, width= multiplier"), Choice("vgg16", "CIFAR-style VGG-16 with BN, width= multiplier"), Choice("resnet20", "CIFAR ResNet-20, option-A shortcuts"), Choice("resnet56", "CIFAR ResNet-56, option-A shortcuts")]), ValueType.path]), help: "zoo model name or model file path", noun: "model"),
    ], options: [
        OptionSpec("data", ValueType.oneOf([ValueType.choice([Choice("mnist", "handwritten digits, 28x28 grey, 10 classes (IDX files)"), Choice("fashion-mnist", "clothing images, 28x28 grey, 10 classes (Debian: dataset-fashion-mnist)"), Choice("cifar10", "32x32 colour images, 10 classes (binary version)"), Choice("cifar100", "32x32 colour images, 100 classes (binary version)"), Choice("synthetic", "seeded Gaussian clusters, for tests and demonstrations")]), ValueType.path]), help: "load this dataset too (same as a 'data' command first)", provides: ["data"], noun: "dataset"),
        OptionSpec("width", ValueType.number(min: Bound(0.0, inclusive: false), max: Bound(4.0, inclusive: true)), default: DefaultValue.number(1.0), help: "channel/unit multiplier of zoo models"),
        OptionSpec("norm", ValueType.choice([Choice("bn", "batch normalisation"), Choice("sigmoid", "sigmoid batch normalisation, scale sigma(theta), no shift (receding importances)"), Choice("none", "no normalisation layers")]), help: "normalisation layers (default: bn for VGG/ResNet, none for MLP/LeNet)", noun: "normalisation"),
        OptionSpec("classes", ValueType.integer(min: 2, max: 100000), help: "output classes (default: the dataset's)"),
        OptionSpec("hidden", ValueType.list(ValueType.integer(min: 1, max: 65536)), help: "hidden widths of mlp, e.g. [512, 256]"),
        OptionSpec("allow_nonfinite", ValueType.bool, default: DefaultValue.bool(false), help: "model files: accept NaN or infinite weights (to inspect a model that diverged)"),
        OptionSpec("val", ValueType.number(min: Bound(0.0, inclusive: true), max: Bound(100000000.0, inclusive: true)), default: DefaultValue.number(0.0), help: "validation split taken from train: a fraction below 1 or a sample count (0 = none)"),
        OptionSpec("subset", ValueType.integer(min: 1, max: nil), help: "keep only the first N train and test samples"),
    ], resultFields: [ResultField("params", "trainable parameters"), ResultField("flops", "multiply-adds per sample x2")], provides: ["model"]),
    VerbSignature("train", summary: "train the model, optionally with a penalty", options: [
        OptionSpec("epochs", ValueType.integer(min: 1, max: 100000), default: DefaultValue.number(10.0), help: "passes over the training data"),
        OptionSpec("lr", ValueType.number(min: Bound(0.0, inclusive: false), max: Bound(100.0, inclusive: true)), help: "base learning rate (default: the model's recipe)"),
        OptionSpec("batch", ValueType.integer(min: 1, max: 65536), help: "mini-batch size (default: the model's recipe)"),
        OptionSpec("optimizer", ValueType.choice([Choice("sgd", ""), Choice("adam", ""), Choice("adamw", "")]), default: DefaultValue.word("sgd"), noun: "optimizer"),
        OptionSpec("momentum", ValueType.number(min: Bound(0.0, inclusive: true), max: Bound(1.0, inclusive: false)), help: "SGD momentum (default: the model's recipe)"),
        OptionSpec("nesterov", ValueType.bool, help: "Nesterov momentum (default: the model's recipe)"),
        OptionSpec("wd", ValueType.number(min: Bound(0.0, inclusive: true), max: Bound(1.0, inclusive: true)), help: "weight decay (default: the model's recipe)"),
        OptionSpec("schedule", ValueType.choice([Choice("const", "constant learning rate"), Choice("step", "multiply by gamma every step_every epochs"), Choice("cosine", "cosine annealing to 0")]), help: "learning-rate schedule (default: the model's recipe)", noun: "schedule"),
        OptionSpec("step_every", ValueType.integer(min: 1, max: nil), default: DefaultValue.number(10.0), help: "epochs between steps of schedule=step"),
        OptionSpec("gamma", ValueType.number(min: Bound(0.0, inclusive: false), max: Bound(1.0, inclusive: true)), default: DefaultValue.number(0.1), help: "factor of schedule=step"),
        OptionSpec("warmup", ValueType.number(min: Bound(0.0, inclusive: true), max: nil), default: DefaultValue.number(0.0), help: "epochs of linear warm-up"),
        OptionSpec("augment", ValueType.bool, default: DefaultValue.bool(false), help: "random crop (pad 4) and horizontal flip (colour images)"),
        OptionSpec("scale_lr", ValueType.number(min: Bound(0.0, inclusive: true), max: nil), default: DefaultValue.number(10.0), help: "learning-rate multiplier of sigmoid-BN parameters"),
        OptionSpec("scale_wd", ValueType.bool, default: DefaultValue.bool(false), help: "apply weight decay to sigmoid-BN parameters"),
        OptionSpec("penalty", ValueType.choice([Choice("none", "plain cross-entropy"), Choice("l1", "lambda * sum |gamma| over batch-norm scales (network slimming)"), Choice("receding", "lambda * sum u(1 - ln u), u = sigma(theta + shift) (needs norm=sigmoid)"), Choice("pat", "pruning-aware training: entropy of relative contributions")]), default: DefaultValue.word("none"), noun: "penalty"),
    ], resultFields: [ResultField("loss", "mean training loss of the last epoch"), ResultField("accuracy", "training accuracy of the last epoch"), ResultField("epochs", "epochs run"), ResultField("seconds", "wall time"), ResultField("samples_per_s", "training throughput")], requires: ["model", "data"], provides: ["trained"], variantSelector: "penalty", variants: [
        OptionVariant("none", options: []),
        OptionVariant("l1", options: [OptionSpec("lambda", ValueType.number(min: Bound(0.0, inclusive: true), max: nil), default: DefaultValue.number(0.0001), help: "penalty strength")]),
        OptionVariant("receding", options: [OptionSpec("lambda", ValueType.number(min: Bound(0.0, inclusive: true), max: nil), default: DefaultValue.number(9.999999747378752e-05), help: "penalty strength"), OptionSpec("shift", ValueType.number(min: nil, max: nil), default: DefaultValue.number(3.0), help: "shift b in sigma(theta + b)")]),
        OptionVariant("pat", options: [OptionSpec("lambda", ValueType.number(min: Bound(0.0, inclusive: true), max: nil), default: DefaultValue.number(0.009999999776482582), help: "penalty strength")]),
    ]),
    VerbSignature("score", summary: "compute importance scores with a pruning method", arguments: [
        ArgumentSpec("method", ValueType.choice([Choice("random", "seeded random importances (baseline)"), Choice("magnitude", "|w| per weight, L1/L2 norm per unit (baseline)"), Choice("taylor", "first-order |g*w| streamed over batches (baseline)"), Choice("slimming", "|gamma| of batch-norm scales (network slimming)"), Choice("receding", "sigmoid batch-norm importances (receding neuron importances)"), Choice("contribution", "relative contributions from activation statistics"), Choice("screening", "class-wise F-statistics with magnitude (screening)"), Choice("mipp", "mutual-information preserving pruning")]), help: "scoring method", noun: "scoring method"),
    ], options: [
        OptionSpec("granularity", ValueType.choice([Choice("weights", "unstructured: individual weights, masked"), Choice("neurons", "dense units, removed physically"), Choice("channels", "convolution filters, removed physically")]), default: DefaultValue.word("weights"), noun: "granularity"),
        OptionSpec("samples", ValueType.integer(min: 1, max: nil), help: "training samples the method looks at (default: the method's own)"),
        OptionSpec("p", ValueType.integer(min: 1, max: 2), default: DefaultValue.number(1.0), help: "magnitude: norm of a unit's weights (1 or 2)"),
        OptionSpec("batch", ValueType.integer(min: 1, max: 65536), default: DefaultValue.number(256.0), help: "batch size of data-driven methods (larger batches stream faster)"),
    ], resultFields: [ResultField("units", "number of scored weights or units"), ResultField("seconds", "time taken")], requires: ["model"], provides: ["scores"], variantSelector: "method", variants: [
        OptionVariant("random", options: []),
        OptionVariant("magnitude", options: []),
        OptionVariant("taylor", options: []),
        OptionVariant("slimming", options: [OptionSpec("granularity", ValueType.choice([Choice("channels", "convolution filters, removed physically"), Choice("neurons", "dense units, removed physically")]), default: DefaultValue.word("channels"), help: "slimming scores channels or neurons", noun: "granularity")]),
        OptionVariant("receding", options: [OptionSpec("granularity", ValueType.choice([Choice("channels", "convolution filters, removed physically"), Choice("neurons", "dense units, removed physically")]), default: DefaultValue.word("channels"), help: "receding scores channels or neurons", noun: "granularity")]),
        OptionVariant("contribution", options: [OptionSpec("norm", ValueType.choice([Choice("share", "|w x| / (sum |w x| + |b|), bounded in [0, 1]"), Choice("preact", "|w x| / |a|, the paper's ratio")]), default: DefaultValue.word("share"), help: "how a contribution is normalised"), OptionSpec("blind", ValueType.bool, default: DefaultValue.bool(true), help: "inactive units (ReLU blind range) contribute 0"), OptionSpec("k", ValueType.number(min: Bound(0.0, inclusive: true), max: nil), default: DefaultValue.number(1.0), help: "score = mean + k * spread")]),
        OptionVariant("screening", options: [OptionSpec("alpha", ValueType.fraction(lowerOpen: false, upperOpen: false), default: DefaultValue.number(0.5), help: "weight of the F-statistic against magnitude")]),
        OptionVariant("mipp", options: [OptionSpec("granularity", ValueType.choice([Choice("neurons", "dense units, removed physically"), Choice("channels", "convolution filters, removed physically")]), default: DefaultValue.word("neurons"), help: "mipp scores neurons or channels", noun: "granularity"), OptionSpec("predictor", ValueType.choice([Choice("linear", "ridge regression with exact removal downdates"), Choice("mlp", "a one-hidden-layer MLP refit after each removal")]), default: DefaultValue.word("linear"), help: "the model that estimates information"), OptionSpec("confidence", ValueType.fraction(lowerOpen: true, upperOpen: true), default: DefaultValue.number(0.95), help: "keep a node when this confident it carries information"), OptionSpec("repeats", ValueType.integer(min: 2, max: 100), default: DefaultValue.number(5.0), help: "repeated estimates per node (a t-test needs two)"), OptionSpec("pool", ValueType.choice([Choice("avg", "a channel enters the predictor spatially averaged"), Choice("sample", "as a few sampled positions")]), default: DefaultValue.word("avg"), help: "how conv channels are summarised")]),
    ]),
    VerbSignature("prune", summary: "remove the least important weights or units", arguments: [
        ArgumentSpec("amount", ValueType.oneOf([ValueType.fraction(lowerOpen: true, upperOpen: true), ValueType.choice([Choice("auto", "the method decides (mipp)")])]), help: "fraction of the prunable weights/units to remove, or auto"),
        ArgumentSpec("scope", ValueType.choice([Choice("global", "one threshold across all layers"), Choice("local", "the same fraction in every layer, ranked within the layer"), Choice("uniform", "the same fraction in every layer, ranked by L1 magnitude")]), default: DefaultValue.word("global"), noun: "scope"),
    ], options: [
        OptionSpec("min_keep", ValueType.integer(min: 1, max: nil), default: DefaultValue.number(1.0), help: "units every layer keeps (the method may keep more: receding keeps 3)"),
        OptionSpec("steps", ValueType.integer(min: 1, max: 100), default: DefaultValue.number(1.0), help: "prune in this many geometric steps, scoring again before each"),
        OptionSpec("latency", ValueType.bool, default: DefaultValue.bool(true), help: "time the model before and after (batch 256)"),
    ], resultFields: [ResultField("sparsity", "realized fraction of the prunable weights/units removed"), ResultField("requested", "requested fraction"), ResultField("param_sparsity", "fraction of the original parameters gone or zero"), ResultField("params", "parameters after pruning"), ResultField("nonzero", "non-zero parameters after"), ResultField("flops", "dense FLOPs per sample after"), ResultField("flops_effective", "FLOPs skipping zero weights"), ResultField("speedup", "latency before / after (1 when nothing was removed, 0 when not measured)")], requires: ["scores"], provides: ["pruned"]),
    VerbSignature("finetune", summary: "train a pruned model: masks stay fixed, no penalty", options: [
        OptionSpec("epochs", ValueType.integer(min: 1, max: 100000), default: DefaultValue.number(3.0), help: "passes over the training data"),
        OptionSpec("lr", ValueType.number(min: Bound(0.0, inclusive: false), max: Bound(100.0, inclusive: true)), help: "base learning rate (default: the model's recipe)"),
        OptionSpec("batch", ValueType.integer(min: 1, max: 65536), help: "mini-batch size (default: the model's recipe)"),
        OptionSpec("optimizer", ValueType.choice([Choice("sgd", ""), Choice("adam", ""), Choice("adamw", "")]), default: DefaultValue.word("sgd"), noun: "optimizer"),
        OptionSpec("momentum", ValueType.number(min: Bound(0.0, inclusive: true), max: Bound(1.0, inclusive: false)), help: "SGD momentum (default: the model's recipe)"),
        OptionSpec("nesterov", ValueType.bool, help: "Nesterov momentum (default: the model's recipe)"),
        OptionSpec("wd", ValueType.number(min: Bound(0.0, inclusive: true), max: Bound(1.0, inclusive: true)), help: "weight decay (default: the model's recipe)"),
        OptionSpec("schedule", ValueType.choice([Choice("const", "constant learning rate"), Choice("step", "multiply by gamma every step_every epochs"), Choice("cosine", "cosine annealing to 0")]), help: "learning-rate schedule (default: the model's recipe)", noun: "schedule"),
        OptionSpec("step_every", ValueType.integer(min: 1, max: nil), default: DefaultValue.number(10.0), help: "epochs between steps of schedule=step"),
        OptionSpec("gamma", ValueType.number(min: Bound(0.0, inclusive: false), max: Bound(1.0, inclusive: true)), default: DefaultValue.number(0.1), help: "factor of schedule=step"),
        OptionSpec("warmup", ValueType.number(min: Bound(0.0, inclusive: true), max: nil), default: DefaultValue.number(0.0), help: "epochs of linear warm-up"),
        OptionSpec("augment", ValueType.bool, default: DefaultValue.bool(false), help: "random crop (pad 4) and horizontal flip (colour images)"),
        OptionSpec("scale_lr", ValueType.number(min: Bound(0.0, inclusive: true), max: nil), default: DefaultValue.number(10.0), help: "learning-rate multiplier of sigmoid-BN parameters"),
        OptionSpec("scale_wd", ValueType.bool, default: DefaultValue.bool(false), help: "apply weight decay to sigmoid-BN parameters"),
    ], resultFields: [ResultField("loss", "mean training loss of the last epoch"), ResultField("accuracy", "training accuracy of the last epoch"), ResultField("epochs", "epochs run"), ResultField("seconds", "wall time"), ResultField("samples_per_s", "training throughput")], requires: ["model", "data", "pruned"], provides: ["trained"]),
    VerbSignature("eval", summary: "measure accuracy, loss, parameters, FLOPs, sparsity and latency", options: [
        OptionSpec("split", ValueType.choice([Choice("test", ""), Choice("val", ""), Choice("train", "")]), default: DefaultValue.word("test"), noun: "split"),
        OptionSpec("batch", ValueType.integer(min: 1, max: 65536), default: DefaultValue.number(256.0)),
    ], resultFields: [ResultField("accuracy", "top-1 accuracy in [0, 1]"), ResultField("top5", "top-5 accuracy (10+ classes)"), ResultField("loss", "mean cross-entropy"), ResultField("params", "parameters in the model's tensors"), ResultField("nonzero", "parameters that are not zero"), ResultField("sparsity", "fraction of zero parameters"), ResultField("flops", "dense FLOPs per sample (2 x multiply-adds)"), ResultField("flops_effective", "FLOPs per sample skipping zero weights"), ResultField("latency_ms", "median time of one forward pass of a single sample"), ResultField("samples_per_s", "evaluation throughput")], requires: ["model", "data"]),
    VerbSignature("checkpoint", summary: "remember the session's model and scores under a name", arguments: [
        ArgumentSpec("name", ValueType.word, help: "checkpoint name"),
    ], requires: ["model"]),
    VerbSignature("restore", summary: "return to a checkpoint", arguments: [
        ArgumentSpec("name", ValueType.word, help: "checkpoint name"),
    ], provides: ["model"]),
    VerbSignature("save", summary: "write the model (weights, masks, architecture) as .safetensors", arguments: [
        ArgumentSpec("path", ValueType.path, help: "file to write, e.g. \"model.safetensors\""),
    ], requires: ["model"]),
    VerbSignature("export", summary: "write the model as ONNX", arguments: [
        ArgumentSpec("path", ValueType.path, help: "file to write, e.g. \"model.onnx\""),
    ], requires: ["model"]),
    VerbSignature("show", summary: "print a view of the session", arguments: [
        ArgumentSpec("what", ValueType.choice([Choice("model", "the model's summary"), Choice("layers", "every node with its shape and parameters"), Choice("scores", "the importance scores and their histogram"), Choice("sparsity", "per-layer widths and sparsity"), Choice("history", "the commands run so far"), Choice("data", "the dataset's splits and shapes")]), default: DefaultValue.word("model"), noun: "view"),
    ]),
    VerbSignature("report", summary: "write the results so far as a table (.md, .csv, .json) or plot (.svg)", arguments: [
        ArgumentSpec("path", ValueType.path, help: "file to write; the extension chooses the format"),
    ], options: [
        OptionSpec("plot", ValueType.choice([Choice("accuracy", "accuracy against the fraction of parameters removed"), Choice("flops", "accuracy against effective FLOPs per sample"), Choice("widths", "per-layer widths (or surviving weights) after pruning"), Choice("scores", "histograms of the importance scores of each method")]), default: DefaultValue.word("accuracy"), help: "what an .svg shows", noun: "plot"),
        OptionSpec("ratio", ValueType.fraction(lowerOpen: true, upperOpen: true), help: "plot=widths: the pruning ratio to show (default: the highest every method reached)"),
    ], resultFields: [ResultField("experiments", "comparisons in the report (model, data, granularity, scope)"), ResultField("points", "pruned models reported (one per method, ratio and seed)")]),
])

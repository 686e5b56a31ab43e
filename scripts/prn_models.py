"""PyTorch definitions of prn's model zoo, with the same module names as prn's parameters.

prn's model files are safetensors whose tensor names are PyTorch state_dict keys of these
modules (Sequential indices for mlp/lenet300/lenet5/vgg-small, features.N/classifier for
vgg11/vgg16, conv1/bn1/layerK.B.convN/linear for the ResNets). So:

    import prn_models
    model = prn_models.build("resnet20", input_shape=(3, 32, 32), classes=10)
    prn_models.load_prn(model, "model.safetensors")      # strict; masks handled, see below

or, for any prn file including channel-pruned ones (whose widths no recipe describes),
build the network from the architecture prn stores in the file's metadata:

    model = prn_models.from_prn_file("pruned.safetensors")

Masks: prn stores unstructured pruning masks as `<param>_mask` (PyTorch's pruning naming).
`load_prn(..., masks="apply")` (the default) multiplies them into the weights and drops them;
`masks="prune"` re-creates them as torch.nn.utils.prune masks (weight_orig + weight_mask), so
fine-tuning in PyTorch keeps pruned weights at zero. With plain `load_state_dict`, drop the
`_mask` entries first or pass strict=False.

BatchNorm's `num_batches_tracked` is not stored (prn does not count batches); PyTorch fills it
with 0 when a state dict without it is loaded, so strict loading works.
"""

import json
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def scaled(n, width):
    """prn's channel multiplier: max(1, round-half-away(n * width))."""
    return max(1, int(math.floor(n * width + 0.5)))


class SigmoidBatchNorm(nn.Module):
    """BatchNorm whose scale is sigmoid(theta) and which has no shift (receding-importance pruning)."""

    def __init__(self, channels, eps=1e-5, momentum=0.1):
        super().__init__()
        self.eps, self.momentum = eps, momentum
        self.weight = nn.Parameter(torch.zeros(channels))
        self.register_buffer("running_mean", torch.zeros(channels))
        self.register_buffer("running_var", torch.ones(channels))

    def forward(self, x):
        y = F.batch_norm(x, self.running_mean, self.running_var, None, None,
                         self.training, self.momentum, self.eps)
        shape = (1, -1) + (1,) * (x.dim() - 2)
        return y * torch.sigmoid(self.weight).view(shape)


class ShortcutA(nn.Module):
    """Option-A shortcut: subsample by stride, zero-pad channels (no parameters)."""

    def __init__(self, stride, pad_before, pad_after):
        super().__init__()
        self.stride, self.pad_before, self.pad_after = stride, pad_before, pad_after

    def forward(self, x):
        x = x[:, :, ::self.stride, ::self.stride]
        return F.pad(x, (0, 0, 0, 0, self.pad_before, self.pad_after))


def norm_layer(norm, channels, dims):
    if norm == "bn":
        return nn.BatchNorm1d(channels) if dims == 1 else nn.BatchNorm2d(channels)
    if norm == "sigmoid":
        return SigmoidBatchNorm(channels)
    return None


def default_norm(name):
    return "none" if name in ("mlp", "lenet300", "lenet5") else "bn"


def _flat_size(layers, input_shape):
    with torch.no_grad():
        return nn.Sequential(*layers)(torch.zeros(1, *input_shape)).numel()


def mlp(input_shape, classes, hidden=(300, 100), width=1.0, norm="none"):
    layers = [nn.Flatten()]
    fan = math.prod(input_shape)
    for h in hidden:
        w = scaled(h, width)
        layers.append(nn.Linear(fan, w))
        n = norm_layer(norm, w, 1)
        if n is not None:
            layers.append(n)
        layers.append(nn.ReLU())
        fan = w
    layers.append(nn.Linear(fan, classes))
    return nn.Sequential(*layers)


def lenet5(input_shape, classes, width=1.0, norm="none"):
    c = input_shape[0]
    c1, c2 = scaled(6, width), scaled(16, width)
    layers = []
    for i, (cin, cout) in enumerate([(c, c1), (c1, c2)]):
        layers.append(nn.Conv2d(cin, cout, 5, padding=2 if i == 0 else 0, bias=norm == "none"))
        n = norm_layer(norm, cout, 2)
        if n is not None:
            layers.append(n)
        layers += [nn.ReLU(), nn.MaxPool2d(2)]
    layers.append(nn.Flatten())
    fan = _flat_size(layers, input_shape)
    for h in (120, 84):
        w = scaled(h, width)
        layers += [nn.Linear(fan, w), nn.ReLU()]
        fan = w
    layers.append(nn.Linear(fan, classes))
    return nn.Sequential(*layers)


VGG_PLANS = {
    "vgg-small": [32, 32, 0, 64, 64, 0, 128, 128, 0],
    "vgg11": [64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0],
    "vgg16": [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0],
}


class VGG(nn.Module):
    """torchvision-style features.N / classifier (vgg11, vgg16)."""

    def __init__(self, features, classifier):
        super().__init__()
        self.features, self.classifier = features, classifier

    def forward(self, x):
        return self.classifier(self.features(x))


def vgg(name, input_shape, classes, width=1.0, norm="bn"):
    small = name == "vgg-small"
    cin, size = input_shape[0], input_shape[1]
    layers = []
    for step in VGG_PLANS[name]:
        if step == 0:
            if size >= 2:
                layers.append(nn.MaxPool2d(2))
                size //= 2
            continue
        cout = scaled(step, width)
        layers.append(nn.Conv2d(cin, cout, 3, padding=1, bias=small or norm == "none"))
        n = norm_layer(norm, cout, 2)
        if n is not None:
            layers.append(n)
        layers.append(nn.ReLU())
        cin = cout
    layers.append(nn.Flatten())
    fc = nn.Linear(_flat_size(layers, input_shape), classes)
    if small:
        return nn.Sequential(*layers, fc)
    return VGG(nn.Sequential(*layers), fc)


class BasicBlock(nn.Module):
    def __init__(self, cin, planes, stride, norm):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 3, stride=stride, padding=1, bias=norm == "none")
        self.bn1 = norm_layer(norm, planes, 2) or nn.Identity()
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=norm == "none")
        self.bn2 = norm_layer(norm, planes, 2) or nn.Identity()
        self.relu2 = nn.ReLU()
        self.shortcut = nn.Identity()
        if stride != 1 or cin != planes:
            extra = planes - cin
            self.shortcut = ShortcutA(stride, extra // 2, extra - extra // 2)

    def forward(self, x):
        out = self.bn2(self.conv2(self.relu1(self.bn1(self.conv1(x)))))
        return self.relu2(out + self.shortcut(x))


class ResNet(nn.Module):
    """CIFAR ResNet with option-A shortcuts (resnet20: 3 blocks per stage, resnet56: 9)."""

    def __init__(self, input_shape, classes, blocks, width=1.0, norm="bn"):
        super().__init__()
        stem = scaled(16, width)
        self.conv1 = nn.Conv2d(input_shape[0], stem, 3, padding=1, bias=norm == "none")
        self.bn1 = norm_layer(norm, stem, 2) or nn.Identity()
        self.relu = nn.ReLU()
        cin = stem
        for stage in range(3):
            planes = scaled(16 << stage, width)
            blocks_here = []
            for b in range(blocks):
                stride = 2 if stage > 0 and b == 0 else 1
                blocks_here.append(BasicBlock(cin, planes, stride, norm))
                cin = planes
            setattr(self, f"layer{stage + 1}", nn.Sequential(*blocks_here))
        self.linear = nn.Linear(cin, classes)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.linear(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def build(name, input_shape, classes, width=1.0, norm=None, hidden=(300, 100)):
    """The zoo network `name` for samples of `input_shape` (C, H, W) or (F,)."""
    norm = norm or default_norm(name)
    if name == "mlp":
        return mlp(input_shape, classes, hidden, width, norm)
    if name == "lenet300":
        return mlp(input_shape, classes, (300, 100), width, norm)
    if name == "lenet5":
        return lenet5(input_shape, classes, width, norm)
    if name in VGG_PLANS:
        return vgg(name, input_shape, classes, width, norm)
    if name in ("resnet20", "resnet56"):
        return ResNet(input_shape, classes, 3 if name == "resnet20" else 9, width, norm)
    raise ValueError(f"unknown model {name!r}; the zoo has mlp, lenet300, lenet5, vgg-small, vgg11, vgg16, resnet20, resnet56")


def load_prn(model, path, masks="apply"):
    """Loads a prn .safetensors file into `model` strictly. masks: "apply" or "prune"."""
    from safetensors.torch import load_file
    state = load_file(path)
    mask_names = [k for k in state if k.endswith("_mask")]
    found = {k[: -len("_mask")]: state.pop(k) for k in mask_names}
    if masks == "apply":
        for name, m in found.items():
            state[name] = state[name] * m
    elif masks == "prune":
        import torch.nn.utils.prune as prune
        modules = dict(model.named_modules())
        for name, m in found.items():
            module_name, _, param = name.rpartition(".")
            prune.custom_from_mask(modules[module_name], param, m)
            state[module_name + "." + param + "_orig"] = state.pop(name)
            state[name + "_mask"] = m
    else:
        raise ValueError(f"masks={masks!r}: use 'apply' or 'prune'")
    model.load_state_dict(state, strict=True)
    return model


class PrnGraph(nn.Module):
    """Any prn model, rebuilt from the architecture stored in its file (graph + widths)."""

    def __init__(self, arch):
        super().__init__()
        self.arch = arch
        self.order = []
        # Nodes without parameters or buffers (activations, pools, adds) hold no state, so they
        # stay out of the dotted module tree: an imported graph may name a residual add after
        # its block ("layer1.0"), the prefix of the block's convolutions' state-dict keys.
        self.stateless = nn.ModuleList()
        for node in arch["nodes"]:
            module = self._layer(node["kind"], node["config"])
            if any(True for _ in module.parameters()) or any(True for _ in module.buffers()):
                self._attach(node["name"], module)
            else:
                self.stateless.append(module)
            self.order.append((node["name"], module, node["inputs"]))

    def _attach(self, dotted, module):
        parent = self
        *path, leaf = dotted.split(".")
        for part in path:
            if part not in parent._modules:
                parent.add_module(part, nn.Module())
            parent = parent._modules[part]
        existing = parent._modules.get(leaf)
        if existing is not None:
            # A placeholder made for deeper names ("a.b" before "a"): its children move under
            # the real module so their state-dict keys stay the same.
            for name, child in existing.named_children():
                module.add_module(name, child)
        parent.add_module(leaf, module)

    @staticmethod
    def _layer(kind, c):
        i = lambda k: int(c[k])
        if kind == "linear":
            return nn.Linear(i("in"), i("out"), bias=bool(c["bias"]))
        if kind == "conv2d":
            return nn.Conv2d(i("in"), i("out"), i("kernel"), stride=i("stride"), padding=i("padding"), bias=bool(c["bias"]))
        if kind == "batchnorm":
            return _AnyBatchNorm(i("channels"), eps=c["eps"], momentum=c["momentum"])
        if kind == "sigmoid-batchnorm":
            return SigmoidBatchNorm(i("channels"), eps=c["eps"], momentum=c["momentum"])
        if kind == "relu":
            return nn.ReLU()
        if kind == "maxpool2d":
            return nn.MaxPool2d(i("kernel"), i("stride"), padding=int(c.get("padding", 0)),
                                ceil_mode=bool(c.get("ceil_mode", 0)))
        if kind == "avgpool2d":
            return nn.AvgPool2d(i("kernel"), i("stride"), padding=int(c.get("padding", 0)),
                                ceil_mode=bool(c.get("ceil_mode", 0)),
                                count_include_pad=bool(c.get("count_include_pad", 0)))
        if kind == "softmax":
            return nn.Softmax(dim=-1)
        if kind == "log-softmax":
            return nn.LogSoftmax(dim=-1)
        if kind == "layernorm":
            return nn.LayerNorm([i(f"dim{k}") for k in range(i("dims"))], eps=c["eps"])
        if kind == "global-avgpool":
            if c.get("keep_dims", 0):
                return nn.AdaptiveAvgPool2d(1)
            return nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())
        if kind == "flatten":
            return nn.Flatten()
        if kind == "dropout":
            return nn.Dropout(c["p"])
        if kind == "add":
            return _Sum()
        if kind == "mul":
            return _Product()
        if kind == "shortcut-a":
            return ShortcutA(i("stride"), i("pad_before"), i("pad_after"))
        simple = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "hard-swish": nn.Hardswish, "gelu": nn.GELU, "silu": nn.SiLU}
        if kind in simple:
            return simple[kind]()
        if kind == "leaky-relu":
            return nn.LeakyReLU(c["alpha"])
        if kind == "clip":
            return _Clip(c["min"], c["max"])
        if kind == "hard-sigmoid":
            return _HardSigmoid(c["alpha"], c["beta"])
        if kind == "concat":
            return _Concat()
        if kind == "general-conv2d":
            return nn.Conv2d(i("in"), i("out"), (i("kernel_h"), i("kernel_w")), stride=(i("stride_h"), i("stride_w")),
                             padding=(i("padding_h"), i("padding_w")), dilation=(i("dilation_h"), i("dilation_w")),
                             groups=i("groups"), bias=bool(c["bias"]))
        raise ValueError(f"layer kind {kind!r} has no PyTorch equivalent here")

    def forward(self, x):
        outs = [x]
        for _, module, inputs in self.order:
            args = [outs[k] for k in inputs]
            outs.append(module(*args))
        return outs[-1]


class _AnyBatchNorm(nn.BatchNorm1d):
    """BatchNorm over [B, C] or [B, C, H, W] (prn's batchnorm serves both)."""

    def _check_input_dim(self, x):
        if x.dim() not in (2, 4):
            raise ValueError(f"expected 2-D or 4-D input, got {x.dim()}-D")


class _Clip(nn.Module):
    def __init__(self, lo, hi):
        super().__init__()
        self.lo, self.hi = lo, hi

    def forward(self, x):
        return torch.clamp(x, self.lo, self.hi)


class _HardSigmoid(nn.Module):
    """ONNX's HardSigmoid, max(0, min(1, alpha x + beta)); nn.Hardsigmoid fixes alpha = 1/6."""

    def __init__(self, alpha, beta):
        super().__init__()
        self.alpha, self.beta = alpha, beta

    def forward(self, x):
        return torch.clamp(self.alpha * x + self.beta, 0, 1)


class _Concat(nn.Module):
    def forward(self, *xs):
        return torch.cat(xs, 1)


class _Sum(nn.Module):
    def forward(self, *xs):
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out


class _Product(nn.Module):
    """prn's mul: x * s, s of x's shape or a [C, 1, 1] gate (squeeze-excite)."""

    def forward(self, x, s):
        return x * s


def from_prn_file(path, masks="apply"):
    """A PrnGraph for the architecture in `path`'s metadata, with its weights loaded."""
    from safetensors import safe_open
    with safe_open(path, framework="pt") as f:
        meta = f.metadata() or {}
    if "prn.architecture" not in meta:
        raise ValueError(f"{path}: no 'prn.architecture' metadata; build the network with build() instead")
    model = PrnGraph(json.loads(meta["prn.architecture"]))
    return load_prn(model, path, masks=masks)

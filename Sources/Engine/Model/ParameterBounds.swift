/// Lower bounds on how many weights a network holds, computed from its description alone, so
/// absurd requests (a zoo model at a huge width, a model file whose stored architecture claims
/// gigantic layers) are refused before anything is allocated. Only weight matrices and kernels
/// are counted, which keeps the bounds below the true count: they never refuse a model that
/// would have fitted.
extension Zoo {
    public static func weightLowerBound(_ name: String, _ o: ZooOptions) -> Double {
        let w = o.width
        func s(_ n: Int) -> Double { Double(scaled(n, w)) }
        let classes = Double(o.classes)
        let inputCount = Double(o.inputShape.reduce(1) { $0 * max($1, 1) })
        let channels = Double(o.inputShape.first ?? 1)
        func dense(_ hidden: [Int]) -> Double {
            var fan = inputCount, total = 0.0
            for h in hidden { total += fan * s(h); fan = s(h) }
            return total + fan * classes
        }
        func convs(_ plan: [Int]) -> Double {
            var cin = channels, total = 0.0
            for step in plan where step > 0 { total += 9 * cin * s(step); cin = s(step) }
            return total + cin * classes
        }
        switch name {
        case "mlp": return dense(o.hidden)
        case "lenet300": return dense([300, 100])
        case "lenet5": return 25 * channels * s(6) + 25 * s(6) * s(16) + s(120) * s(84) + s(84) * classes
        case "vgg-small": return convs([32, 32, 64, 64, 128, 128])
        case "vgg11": return convs([64, 128, 256, 256, 512, 512, 512, 512])
        case "vgg16": return convs([64, 64, 128, 128, 256, 256, 256, 512, 512, 512, 512, 512, 512])
        case "resnet20", "resnet56":
            let blocks = name == "resnet20" ? 3 : 9
            var total = 9 * channels * s(16), cin = s(16)
            for stage in 0..<3 {
                let planes = s(16 << stage)
                total += 9 * cin * planes + Double(2 * blocks - 1) * 9 * planes * planes
                cin = planes
            }
            return total + cin * classes
        default: return 0
        }
    }
}

extension Architecture {
    /// Weights the stored layers need (linear and convolution weights only).
    public var weightLowerBound: Double {
        nodes.reduce(0.0) { total, node in
            let c = node.config
            switch node.kind {
            case "linear": return total + (c["in"] ?? 0) * (c["out"] ?? 0)
            case "conv2d": return total + (c["in"] ?? 0) * (c["out"] ?? 0) * (c["kernel"] ?? 0) * (c["kernel"] ?? 0)
            default: return total
            }
        }
    }
}

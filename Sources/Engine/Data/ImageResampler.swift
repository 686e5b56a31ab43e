import Foundation

/// Resizes an image so its shorter side is `side`, keeping the aspect ratio, then crops the
/// centre `side` x `side`. Shrinking averages the covered source pixels (area); enlarging
/// interpolates bilinearly. An image already `side` x `side` is copied exactly.
struct ImageResampler {
    /// The same factor the IDX and CIFAR readers use, so an image folder reproduces their values exactly.
    static let scale: Float = 1 / 255
    /// For each output position along one axis, the source positions and their weights.
    struct Axis {
        let taps: [[(index: Int, weight: Float)]]

        /// `input` source pixels resized to `resized`, of which positions offset..<offset+count are kept.
        init(input: Int, resized: Int, offset: Int, count: Int) {
            let ratio = Double(input) / Double(resized)
            taps = (0..<count).map { o in
                let i = Double(o + offset)
                if ratio >= 1 {
                    let start = i * ratio, end = (i + 1) * ratio
                    var taps = [(index: Int, weight: Float)]()
                    var j = Int(start.rounded(.down))
                    while Double(j) < end, j < input {
                        let overlap = min(end, Double(j + 1)) - max(start, Double(j))
                        if overlap > 1e-9 { taps.append((j, Float(overlap / ratio))) }
                        j += 1
                    }
                    return taps
                }
                let centre = (i + 0.5) * ratio - 0.5
                let low = Int(centre.rounded(.down))
                let t = Float(centre - Double(low))
                let a = min(max(low, 0), input - 1), b = min(max(low + 1, 0), input - 1)
                return a == b ? [(a, Float(1))] : [(a, 1 - t), (b, t)]
            }
        }
    }

    let horizontal: Axis
    let vertical: Axis
    let side: Int

    init(width: Int, height: Int, side: Int) {
        let scale = Double(side) / Double(min(width, height))
        let resizedWidth = max(side, Int((Double(width) * scale).rounded()))
        let resizedHeight = max(side, Int((Double(height) * scale).rounded()))
        horizontal = Axis(input: width, resized: resizedWidth, offset: (resizedWidth - side) / 2, count: side)
        vertical = Axis(input: height, resized: resizedHeight, offset: (resizedHeight - side) / 2, count: side)
        self.side = side
    }

    /// Writes the image's planes, scaled to [0, 1], into `out` as [channels, side, side].
    func render(_ image: ImageCodec.Image, into out: UnsafeMutablePointer<Float>) {
        let (w, h, c) = (image.width, image.height, image.channels)
        let scale = Self.scale
        var rows = [Float](repeating: 0, count: h * side)
        image.pixels.withUnsafeBufferPointer { px in
            for ch in 0..<c {
                for y in 0..<h {
                    let row = y * w * c + ch
                    for x in 0..<side {
                        var sum: Float = 0
                        for tap in horizontal.taps[x] { sum += Float(px[row + tap.index * c]) * tap.weight }
                        rows[y * side + x] = sum
                    }
                }
                let plane = out + ch * side * side
                for y in 0..<side {
                    for x in 0..<side {
                        var sum: Float = 0
                        for tap in vertical.taps[y] { sum += rows[tap.index * side + x] * tap.weight }
                        plane[y * side + x] = sum * scale
                    }
                }
            }
        }
    }

    /// The image as it is, planes scaled to [0, 1]: the path without `size=`.
    static func copy(_ image: ImageCodec.Image, into out: UnsafeMutablePointer<Float>) {
        let (plane, c) = (image.width * image.height, image.channels)
        image.pixels.withUnsafeBufferPointer { px in
            for ch in 0..<c {
                for p in 0..<plane { out[ch * plane + p] = Float(px[p * c + ch]) * scale }
            }
        }
    }
}

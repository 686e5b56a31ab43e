import XCTest
@testable import Engine

final class PoolingTests: XCTestCase {
    /// Distinct values spaced 0.1 apart: no ties for max-pool under a 1e-2 perturbation.
    private func untied(_ shape: [Int], _ rng: inout RandomStream) -> Tensor {
        let n = shape.reduce(1, *)
        return Tensor(shape: shape, values: rng.permutation(n).map { Float($0) * 0.1 })
    }

    func testMaxPool() {
        var rng = RandomStream(seed: 31)
        GradCheck.check(MaxPool2d(kernel: 2), inputs: [untied([2, 2, 4, 4], &rng)])
        GradCheck.check(MaxPool2d(kernel: 3, stride: 2), inputs: [untied([1, 2, 7, 6], &rng)])
        let x = Tensor(shape: [1, 1, 2, 4], values: [1, 5, 2, 0, 3, 4, 8, 7])
        let y = MaxPool2d(kernel: 2).forward([x], mode: .train)
        XCTAssertEqual(y.shape, [1, 1, 1, 2])
        XCTAssertEqual(y.array, [5, 8])
        XCTAssertEqual(try MaxPool2d(kernel: 2).outputShape([[3, 5, 5]]), [3, 2, 2])
        XCTAssertThrowsError(try MaxPool2d(kernel: 3).outputShape([[3, 2, 2]]))
    }

    /// The 2x2/2 kernel against window maxima computed here: odd sizes drop the last row and
    /// column, ties send the gradient to the first maximum in row-major order, NaN never wins.
    func testMaxPool2x2OddSizesTiesAndNaN() {
        var rng = RandomStream(seed: 33)
        let (b, c, h, w) = (2, 3, 5, 7)
        // Values from {0, 1, 2}: many ties.
        var values = (0..<(b * c * h * w)).map { _ in Float(Int(rng.uniform() * 3) % 3) }
        values[3] = .nan
        let x = Tensor(shape: [b, c, h, w], values: values)
        let pool = MaxPool2d(kernel: 2)
        let y = pool.forward([x], mode: .train)
        XCTAssertEqual(y.shape, [b, c, 2, 3])
        let dx = pool.backward(Tensor(shape: y.shape, repeating: 1), needInputGrad: [true])[0]!
        var expectedDx = [Float](repeating: 0, count: x.count)
        for p in 0..<(b * c) { for i in 0..<2 { for j in 0..<3 {
            var best = p * h * w + 2 * i * w + 2 * j
            for (di, dj) in [(0, 1), (1, 0), (1, 1)] {
                let at = p * h * w + (2 * i + di) * w + 2 * j + dj
                if values[at] > values[best] { best = at }
            }
            XCTAssertEqual(y.data[(p * 2 + i) * 3 + j].bitPattern, values[best].bitPattern, "plane \(p) window \(i),\(j)")
            expectedDx[best] += 1
        } } }
        XCTAssertEqual(dx.array, expectedDx)
    }

    func testAvgPoolAndGlobal() {
        var rng = RandomStream(seed: 32)
        GradCheck.check(AvgPool2d(kernel: 2), inputs: [GradCheck.randomTensor([2, 2, 4, 4], &rng)])
        GradCheck.check(AvgPool2d(kernel: 3, stride: 2), inputs: [GradCheck.randomTensor([1, 2, 7, 7], &rng)])
        GradCheck.check(GlobalAvgPool(), inputs: [GradCheck.randomTensor([2, 3, 3, 2], &rng)])
        let x = Tensor(shape: [1, 1, 2, 2], values: [1, 2, 3, 6])
        XCTAssertEqual(AvgPool2d(kernel: 2).forward([x], mode: .eval).array, [3])
        let g = GlobalAvgPool().forward([x], mode: .eval)
        XCTAssertEqual(g.shape, [1, 1])
        XCTAssertEqual(g.array, [3])
    }

    /// Padded and ceil-mode max pooling (ResNet's 3x3/2 pad 1 stem, SqueezeNet's ceil-mode pools)
    /// against window maxima computed here, with PyTorch's output sizes.
    func testMaxPoolPaddingAndCeilMode() throws {
        var rng = RandomStream(seed: 35)
        // (kernel, stride, padding, ceil, H, W, expected OH, OW) - the sizes torch.nn.MaxPool2d gives.
        let cases: [(Int, Int, Int, Bool, Int, Int, Int, Int)] = [
            (3, 2, 1, false, 8, 7, 4, 4), (3, 2, 0, true, 8, 7, 4, 3), (3, 2, 1, true, 6, 6, 4, 4),
            (2, 2, 0, true, 5, 5, 3, 3), (3, 3, 1, true, 7, 7, 3, 3), (3, 2, 1, false, 36, 34, 18, 17),
            (5, 1, 2, false, 9, 6, 9, 6), (4, 3, 2, true, 11, 10, 5, 4),
        ]
        for (k, s, p, ceil, h, w, oh, ow) in cases {
            let pool = MaxPool2d(kernel: k, stride: s, padding: p, ceilMode: ceil)
            XCTAssertEqual(try pool.outputShape([[2, h, w]]), [2, oh, ow], "k\(k) s\(s) p\(p) ceil \(ceil) on \(h)x\(w)")
            let x = untied([2, 2, h, w], &rng)
            let y = pool.forward([x], mode: .train)
            XCTAssertEqual(y.shape, [2, 2, oh, ow])
            for plane in 0..<4 { for i in 0..<oh { for j in 0..<ow {
                var m = -Float.infinity
                for di in 0..<k { for dj in 0..<k {
                    let r = i * s - p + di, c = j * s - p + dj
                    if r >= 0, r < h, c >= 0, c < w { m = max(m, x[plane * h * w + r * w + c]) }
                } }
                XCTAssertEqual(y[(plane * oh + i) * ow + j], m, "k\(k) s\(s) p\(p) ceil \(ceil) window (\(i), \(j))")
            } } }
            let trained = y.copy()
            XCTAssertEqual(pool.forward([x], mode: .eval).array, trained.array, "eval forward (no argmax) k\(k) s\(s) p\(p) ceil \(ceil)")
            GradCheck.check(pool, inputs: [x])
            let rebuilt = try LayerFactory.make(kind: pool.kind, config: pool.config)
            XCTAssertEqual(try rebuilt.outputShape([[2, h, w]]), [2, oh, ow])
        }
        // Files written before padding existed hold only kernel and stride.
        XCTAssertEqual(try LayerFactory.make(kind: "maxpool2d", config: ["kernel": 2, "stride": 2]).config, ["kernel": 2, "stride": 2])
        XCTAssertThrowsError(try LayerFactory.make(kind: "maxpool2d", config: ["kernel": 2, "stride": 2, "padding": 2]))
    }

    /// Eval-mode 3x3 stride-2 max pooling (its windows inside the row take a path without bounds
    /// checks) against the separable pass written out here in the same comparison order, bit for
    /// bit: on every size from 1x1 to 13x13, padding 0 and 1, floor and ceil mode, with NaNs and
    /// +0/-0 ties (which of the two survives shows the order of the comparisons).
    func testEvalMaxPool3x3Stride2MatchesSeparableReference() throws {
        var rng = RandomStream(seed: 36)
        for padding in 0...1 { for ceil in [false, true] { for h in 1...13 { for w in 1...13 {
            let pool = MaxPool2d(kernel: 3, stride: 2, padding: padding, ceilMode: ceil)
            guard let shape = try? pool.outputShape([[2, h, w]]) else { continue }
            let oh = shape[1], ow = shape[2]
            let x = Tensor(shape: [1, 2, h, w])
            for i in 0..<x.count {
                let u = rng.uniform()
                x[i] = u < 0.05 ? .nan : u < 0.3 ? 0.0 : u < 0.55 ? -0.0 : rng.uniform(-1, 1)
            }
            let y = pool.forward([x], mode: .eval)
            for plane in 0..<2 { for i in 0..<oh {
                let r0 = Swift.max(0, i * 2 - padding), r1 = Swift.min(h, i * 2 - padding + 3)
                var row = (0..<w).map { x[(plane * h + r0) * w + $0] }
                for r in (r0 + 1)..<Swift.max(r0 + 1, r1) { for q in 0..<w {
                    let v = x[(plane * h + r) * w + q]
                    row[q] = v > row[q] ? v : row[q]
                } }
                for j in 0..<ow {
                    let c0 = Swift.max(0, j * 2 - padding), c1 = Swift.min(w, j * 2 - padding + 3)
                    var m = row[c0]
                    for c in (c0 + 1)..<Swift.max(c0 + 1, c1) { m = row[c] > m ? row[c] : m }
                    XCTAssertEqual(y[(plane * oh + i) * ow + j].bitPattern, m.bitPattern,
                                   "p\(padding) ceil \(ceil) \(h)x\(w) plane \(plane) window (\(i), \(j))")
                }
            } }
        } } } }
    }

    /// Eval-mode max pooling with the threads splitting the output rows (fewer samples than
    /// threads) gives the bits of one thread over whole planes: 3x3/2 with padding (resnet's), an
    /// odd 2x2/1 and a ceil-mode 3x3/3, on maps large enough to split, at batch 1 and 2.
    func testEvalMaxPoolSplitByRowsMatchesOneThread() {
        var rng = RandomStream(seed: 39)
        for (k, s, p, ceil) in [(3, 2, 1, false), (2, 1, 0, false), (3, 3, 1, true)] {
            for (batch, planes, h, w) in [(1, 16, 61, 50), (2, 5, 97, 83)] {
                let pool = MaxPool2d(kernel: k, stride: s, padding: p, ceilMode: ceil)
                let x = GradCheck.randomTensor([batch, planes, h, w], &rng)
                // Copied: the layer writes every forward into the same output tensor, which is
                // then poisoned so that a row no thread writes shows.
                let first = pool.forward([x], mode: .eval, configuration: EngineConfiguration(threads: 1))
                let one = Array(UnsafeBufferPointer(start: first.data, count: first.count))
                for threads in [2, 3] {
                    first.data.update(repeating: .nan, count: first.count)
                    let y = pool.forward([x], mode: .eval, configuration: EngineConfiguration(threads: threads))
                    let got = Array(UnsafeBufferPointer(start: y.data, count: y.count))
                    XCTAssertEqual(zip(got, one).filter { $0.0.bitPattern != $0.1.bitPattern }.count, 0,
                                   "outputs differing: \(k)x\(k)/\(s) p\(p) batch \(batch) \(planes)x\(h)x\(w), \(threads) threads")
                }
            }
        }
    }

    /// Global average pooling against a sum in double precision, on plane sizes around the
    /// kernel's 16 lanes (1, 15, 16, 17, 49) and on a batch large enough to be split across
    /// threads (64 x 64 planes of 8 x 8).
    func testGlobalAvgPoolMatchesDoubleSums() {
        var rng = RandomStream(seed: 35)
        for shape in [[2, 3, 1, 1], [1, 4, 3, 5], [2, 2, 4, 4], [1, 3, 1, 17], [3, 5, 7, 7], [64, 64, 8, 8]] {
            let x = GradCheck.randomTensor(shape, &rng)
            let y = GlobalAvgPool().forward([x], mode: .eval)
            let hw = shape[2] * shape[3], planes = shape[0] * shape[1]
            XCTAssertEqual(y.shape, [shape[0], shape[1]])
            for p in 0..<planes {
                var sum = 0.0
                for i in 0..<hw { sum += Double(x.data[p * hw + i]) }
                XCTAssertEqual(Double(y.data[p]), sum / Double(hw), accuracy: 1e-5, "shape \(shape), plane \(p)")
            }
        }
    }
}

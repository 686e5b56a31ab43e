import Engine

/// One layer's prediction problem: the layer's node activations `x` [rows, inputs] and the
/// next layer's (already pruned) activations `y` [rows, outputs], row-major. With sampled
/// positions a sample contributes `rowsPerSample` consecutive rows; folds never split them.
public struct MIPPProblem: Sendable {
    public var x: [Float]
    public var y: [Float]
    public var rows: Int
    public var inputs: Int
    public var outputs: Int
    public var rowsPerSample: Int

    public init(x: [Float], y: [Float], rows: Int, inputs: Int, outputs: Int, rowsPerSample: Int = 1) {
        precondition(x.count == rows * inputs && y.count == rows * outputs, "problem sizes disagree")
        precondition(rowsPerSample >= 1 && rows % rowsPerSample == 0, "rows must be whole samples")
        self.x = x
        self.y = y
        self.rows = rows
        self.inputs = inputs
        self.outputs = outputs
        self.rowsPerSample = rowsPerSample
    }

    /// Individual information of every input about the target: the drop in squared error when
    /// the input alone predicts the (standardized) target by least squares. MIPP tests nodes
    /// from the smallest value up.
    public func individualInformation() -> [Double] {
        let fold = MIPPFold(self, validation: [])
        let n = fold.trainRows, d = inputs, m = outputs
        guard n > 0 else { return [Double](repeating: 0, count: d) }
        var xty = [Float](repeating: 0, count: d * m)
        fold.xt.withUnsafeBufferPointer { xt in
            fold.yt.withUnsafeBufferPointer { yt in
                xty.withUnsafeMutableBufferPointer { c in
                    BLAS.sgemm(transA: true, m: d, n: m, k: n, a: xt.baseAddress!, lda: d,
                               b: yt.baseAddress!, ldb: m, beta: 0, c: c.baseAddress!, ldc: m)
                }
            }
        }
        return (0..<d).map { i in
            var norm = 0.0
            for r in 0..<n { let v = Double(fold.xt[r * d + i]); norm += v * v }
            guard norm > 0 else { return 0 }
            var explained = 0.0
            for j in 0..<m { let c = Double(xty[i * m + j]); explained += c * c }
            return explained / norm
        }
    }

    /// Sample indices of a seeded held-out fifth of all the problem's samples.
    public func validationSamples(seed: UInt64) -> [Int] {
        MIPPDraws.split(Array(0..<(rows / rowsPerSample)), repeat: 0, seed: seed).validation
    }
}

/// A train/validation split of a problem, standardized with the training rows' mean and
/// spread (a column without spread becomes 0: a constant node carries no information).
public struct MIPPFold: Sendable {
    public var xt: [Float], yt: [Float], xv: [Float], yv: [Float]
    public let trainRows: Int, validationRows: Int, inputs: Int, outputs: Int

    /// Every sample not held out trains.
    public init(_ p: MIPPProblem, validation samples: [Int]) {
        var isValidation = [Bool](repeating: false, count: p.rows / p.rowsPerSample)
        for s in samples { isValidation[s] = true }
        self.init(p, train: isValidation.indices.filter { !isValidation[$0] }, validation: samples)
    }

    /// The given samples (indices of the problem's samples) train and are held out; the rest
    /// of the problem is not used.
    public init(_ p: MIPPProblem, train trainSamples: [Int], validation samples: [Int]) {
        func rows(_ samples: [Int]) -> [Int] {
            samples.flatMap { s in (s * p.rowsPerSample)..<((s + 1) * p.rowsPerSample) }
        }
        let train = rows(trainSamples), valid = rows(samples)
        trainRows = train.count
        validationRows = valid.count
        inputs = p.inputs
        outputs = p.outputs
        let (xm, xs) = MIPPFold.moments(p.x, columns: p.inputs, rows: train)
        let (ym, ys) = MIPPFold.moments(p.y, columns: p.outputs, rows: train)
        xt = MIPPFold.gather(p.x, columns: p.inputs, rows: train, mean: xm, scale: xs)
        xv = MIPPFold.gather(p.x, columns: p.inputs, rows: valid, mean: xm, scale: xs)
        yt = MIPPFold.gather(p.y, columns: p.outputs, rows: train, mean: ym, scale: ys)
        yv = MIPPFold.gather(p.y, columns: p.outputs, rows: valid, mean: ym, scale: ys)
    }

    /// Column means and 1/std (0 for columns without spread).
    static func moments(_ a: [Float], columns: Int, rows: [Int]) -> ([Double], [Double]) {
        var sum = [Double](repeating: 0, count: columns), sq = sum
        for r in rows {
            for c in 0..<columns { let v = Double(a[r * columns + c]); sum[c] += v; sq[c] += v * v }
        }
        let n = Double(max(rows.count, 1))
        var mean = sum, scale = sum
        for c in 0..<columns {
            mean[c] = sum[c] / n
            let variance = max(0, sq[c] / n - mean[c] * mean[c])
            let spread = variance.squareRoot()
            scale[c] = spread > 1e-6 * max(1, abs(mean[c])) ? 1 / spread : 0
        }
        return (mean, scale)
    }

    static func gather(_ a: [Float], columns: Int, rows: [Int], mean: [Double], scale: [Double]) -> [Float] {
        var out = [Float](repeating: 0, count: rows.count * columns)
        for (k, r) in rows.enumerated() {
            for c in 0..<columns { out[k * columns + c] = Float((Double(a[r * columns + c]) - mean[c]) * scale[c]) }
        }
        return out
    }
}

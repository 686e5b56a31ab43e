/// Eval-mode forwards of large batches in pieces (docs/engine.md, "Eval in pieces").
///
/// Every eval-mode layer computes each sample from that sample alone, so a batch may run a piece
/// of samples at a time. A piece whose largest activation fits in the cores' caches is read back
/// by the next layer from cache instead of memory, which is most of the time of a narrow
/// network, whose layers do little arithmetic per value. A small network pays for the pieces
/// instead (each forward has fixed costs the pieces multiply), so only batches whose largest
/// activation is well past the caches are split.
extension Model {
    /// Batches whose largest activation takes more bytes run in pieces.
    static let evalSplitBytes = 8 << 20
    /// The bytes of the largest activation of one piece.
    static let evalPieceBytes = 2 << 20
    /// Pieces never hold fewer samples: below this the kernels' per-call work (thread
    /// hand-offs, the calls themselves) starts to show.
    static let minimumEvalPiece = 32

    /// Samples per piece of an eval forward of `batch` samples, or nil to run it whole: when the
    /// batch's largest activation passes `evalSplitBytes`, pieces of as many samples as fit the
    /// largest activation in `evalPieceBytes` but at least `minimumEvalPiece`, the remainder
    /// spread over them (the last piece a few samples short of the others).
    func evalPiece(batch: Int) -> Int? {
        guard batch >= 2 * Model.minimumEvalPiece, let largest = try? largestActivation(), largest > 0 else {
            return nil
        }
        let bytes = largest * MemoryLayout<Float>.size
        guard batch * bytes > Model.evalSplitBytes else { return nil }
        let fits = Swift.max(Model.minimumEvalPiece, Model.evalPieceBytes / bytes)
        let pieces = batch / fits
        guard pieces > 1 else { return nil }
        return (batch + pieces - 1) / pieces
    }

    /// Values one sample holds at the model's largest node.
    func largestActivation() throws -> Int {
        try shapes().map { $0.reduce(1, *) }.max() ?? 0
    }

    /// The eval forward of x, `piece` samples at a time, into one output the model owns.
    func forwardInPieces(_ x: Tensor, piece: Int) -> Tensor {
        let batch = x.shape[0], item = x.itemCount, rest = Array(x.shape.dropFirst())
        var out: Tensor?
        var start = 0
        while start < batch {
            let n = Swift.min(piece, batch - start)
            let y = forwardWhole(Tensor(sliceOf: x, offset: start * item, shape: [n] + rest), mode: .eval)
            let o = out ?? Tensor.reuse(&piecedOutput, shape: [batch] + Array(y.shape.dropFirst()))
            out = o
            (o.data + start * (y.count / n)).update(from: y.data, count: y.count)
            start += n
        }
        return out!
    }
}

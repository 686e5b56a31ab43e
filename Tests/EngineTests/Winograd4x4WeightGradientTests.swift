import XCTest
@testable import Engine

/// The weight gradient of stride-1 3x3 convolutions as Winograd F(4x4, 3x3)
/// (CKernels/winograd43_weight_grad.c) against the reference convolution's, and where training
/// picks it.
final class Winograd4x4WeightGradientTests: XCTestCase {
    /// Output sizes that end in a partial row and column of tiles, padding 0, 1 and 2, channel and
    /// output counts that leave partial blocks of 4, one sample and groups of samples (with a
    /// partial last group), a chunked 256-channel layer, and a single input channel; added to what
    /// dw holds. Both forms are run on every shape, so F(2x2, 3x3) is checked on the same ones.
    func testWeightGradientMatchesReference() {
        var rng = RandomStream(seed: 23)
        for (cin, cout, pad, h, w, batch) in [(3, 5, 1, 8, 8, 3), (4, 13, 1, 9, 12, 5), (16, 17, 1, 16, 16, 4),
                                              (1, 3, 1, 31, 33, 2), (3, 5, 0, 12, 11, 3), (2, 9, 2, 7, 10, 6),
                                              (7, 16, 1, 8, 8, 41), (64, 64, 1, 8, 8, 3), (5, 13, 1, 32, 32, 9),
                                              (6, 11, 0, 14, 14, 1), (256, 3, 1, 28, 28, 3), (2, 7, 2, 3, 8, 2)] {
            let conv = Conv2d(cin, cout, kernel: 3, stride: 1, padding: pad, bias: false)
            conv.initialize(&rng)
            let g = conv.geometry(height: h, width: w)
            let x = GradCheck.randomTensor([batch, cin, h, w], &rng)
            let dy = GradCheck.randomTensor([batch, cout, g.outHeight, g.outWidth], &rng)
            let reference = Tensor(shape: conv.weight.value.shape, repeating: 0.25), dx = Tensor(shape: x.shape)
            ConvReference.backward(g, batch: batch, outChannels: cout, x: x.data, weight: conv.weight.value.data,
                                   dy: dy.data, dx: dx.data, dw: reference.data, db: nil)
            for form in [WinogradForm.f4x4, .f2x2] {
                let dw = Tensor(shape: conv.weight.value.shape, repeating: 0.25)
                WinogradConvolution.weightGradient(x.data, dy.data, samples: batch, channels: cin, outs: cout, height: h,
                                                   width: w, padding: pad, form: form, into: dw.data)
                // Both forms stay within about 3e-6 of the scale here (F(4x4, 3x3)'s transforms
                // round more); a wrong coefficient is off by a good part of the scale.
                let error = GradCheck.errorToScale(dw, reference)
                XCTAssertLessThan(error, 2e-5, "\(form) weight gradient \(cin)->\(cout) p\(pad) \(h)x\(w) batch \(batch)")
            }
        }
    }

    /// F(4x4, 3x3) where a worker's samples make enough tiles for it to do clearly less work (the
    /// CIFAR stages of a batch of 64 split over two workers), F(2x2, 3x3) where a few small images
    /// round its tiles up to the kernels' vectors; a training step of a layer takes the form
    /// chosen, and `winograd4x4` off keeps F(2x2, 3x3).
    func testTrainingPicksTheLargerFormWhereItDoesLessWork() {
        for (h, samples) in [(32, 32), (16, 32), (8, 32), (32, 1)] {
            XCTAssertEqual(WinogradConvolution.weightGradientForm(samples: samples, height: h, width: h, padding: 1), .f4x4,
                           "\(h)x\(h), \(samples) samples")
        }
        XCTAssertEqual(WinogradConvolution.weightGradientForm(samples: 3, height: 8, width: 8, padding: 1), .f2x2)

        var rng = RandomStream(seed: 24)
        let conv = Conv2d(16, 16, kernel: 3, stride: 1, padding: 1, bias: false)
        conv.initialize(&rng)
        let g = conv.geometry(height: 32, width: 32)
        let x = GradCheck.randomTensor([4, 16, 32, 32], &rng), dy = GradCheck.randomTensor([4, 16, 32, 32], &rng)
        let reference = Tensor(shape: conv.weight.value.shape, repeating: 0), dx = Tensor(shape: x.shape)
        ConvReference.backward(g, batch: 4, outChannels: 16, x: x.data, weight: conv.weight.value.data, dy: dy.data,
                               dx: dx.data, dw: reference.data, db: nil)
        var grads: [[Float]] = []
        for (large, form) in [(true, WinogradForm.f4x4), (false, .f2x2)] {
            _ = conv.forward([x], mode: .train, configuration: EngineConfiguration(threads: 2, winograd4x4: large))
            XCTAssertEqual(conv.winogradWeightGradientForm(g, samples: 2), form, "winograd4x4 \(large)")
            conv.weight.grad.fill(0)
            _ = conv.backward(dy, needInputGrad: [false])
            XCTAssertLessThan(GradCheck.errorToScale(conv.weight.grad, reference), 2e-5,
                              "\(form) weight gradient of a training step")
            grads.append(conv.weight.grad.array)
        }
        XCTAssertNotEqual(grads[0], grads[1], "the two forms round differently: each ran")
    }
}

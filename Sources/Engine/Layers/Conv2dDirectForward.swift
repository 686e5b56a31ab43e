import CKernels

/// Conv2d's forwards without a column matrix: stride 1 on the direct kernel or Winograd, and the
/// stride-2 shapes turned into them or onto the broadcast kernel (the stems, the phase split, the
/// pointwise subsampling). `Conv2d.forwardPath` chooses among them.
extension Conv2d {
    /// Convolutions that run without a column matrix (CKernels/direct_conv.c): stride 1,
    /// padding below the kernel size, outputs at least `minimumDirectWidth` wide. The k-1
    /// columns of each padded row past the output are computed and dropped; narrower outputs go
    /// through grouped GEMMs. (Measured with `prn bench vgg` / `prn bench lenet5`: a limit of 16
    /// instead of 8 made both vgg-small workloads slower; also requiring the output to be 3/4 of
    /// the padded width, which sends LeNet-5's valid 5x5 conv2 (10 of 14) back to GEMMs, made
    /// LeNet-5 inference slower; a limit of 7, which sends vgg-small's 7x7 stage on 28x28 inputs
    /// to the direct kernel, made its `eval` latency after `load vgg-small data=fashion-mnist`
    /// longer.)
    /// `EngineConfiguration.directConvolution` off: always im2col + GEMM.
    static let minimumDirectWidth = 8

    func directConvolution(_ g: ConvGeometry) -> Bool {
        configuration.directConvolution && g.stride == 1 && g.padding < g.kernel && !g.isPointwise && g.outWidth >= Conv2d.minimumDirectWidth
    }

    /// Direct convolutions with a 3x3 kernel that run as Winograd F(2x2, 3x3) instead
    /// (WinogradConvolution). `EngineConfiguration.winograd` off: the direct kernel.
    func winogradConvolution(_ g: ConvGeometry) -> Bool {
        configuration.winograd && directConvolution(g) && WinogradConvolution.applies(g)
    }

    /// The Winograd algorithm of a convolution of `batch` samples of a `winogradConvolution` shape
    /// (a forward, or the adjoint one of an input gradient): F(4x4, 3x3) where it does clearly less work
    /// (`WinogradForm.fewerProducts`, `EngineConfiguration.winograd4x4`), else F(2x2, 3x3).
    func winogradForm(_ g: ConvGeometry, batch: Int) -> WinogradForm {
        let large = configuration.winograd4x4
            && WinogradForm.fewerProducts(batch: batch, height: g.height, width: g.width, padding: g.padding,
                                          threads: configuration.threads)
        return large ? .f4x4 : .f2x2
    }

    /// The Winograd form of the weight gradient of a worker's `samples` samples
    /// (`WinogradConvolution.weightGradientForm`); F(2x2, 3x3) with `EngineConfiguration.winograd4x4` off.
    func winogradWeightGradientForm(_ g: ConvGeometry, samples: Int) -> WinogradForm {
        guard configuration.winograd4x4 else { return .f2x2 }
        return WinogradConvolution.weightGradientForm(samples: samples, height: g.height, width: g.width, padding: g.padding)
    }

    /// The Winograd convolution that runs `winogradForm(g, batch:)`.
    func winogradRunner(_ g: ConvGeometry, batch: Int) -> WinogradConvolution {
        winogradForm(g, batch: batch) == .f4x4 ? winograd4x4 : winograd
    }

    /// `keepTransform`: an eval-mode forward, which reuses the transformed weight of the last one
    /// while the weight is unchanged (WinogradConvolution).
    func forwardDirect(_ x: Tensor, _ y: Tensor, _ g: ConvGeometry, workers: Int, epilogue: ConvEpilogue?,
                               keepTransform: Bool) {
        let o = outChannels, c = inChannels, k = kernel, p = padding, h = g.height, w = g.width
        let inItem = x.itemCount, xp = x.data, yp = y.data
        // Without a fused chain the output pass only adds the bias (scale 1).
        let e = epilogue ?? ConvEpilogue(biasOf: self)
        let batch = x.shape[0], threads = configuration.threads
        if winogradConvolution(g) {
            e.withPointers { scale, shift, _ in
                winogradRunner(g, batch: batch).run(xp, batch: batch, channels: c, outs: o, height: h, width: w,
                                                    padding: p, weight: weight.value, adjoint: false,
                                                    keepTransform: keepTransform, into: yp, scale: scale, shift: shift,
                                                    residual: e.residual.map { UnsafePointer($0.data) }, relu: e.relu,
                                                    threads: threads)
            }
            return
        }
        let wp = directForwardWeights(keep: keepTransform)
        runDirect(batch: batch, channels: c, height: h, width: w, kernel: k, padding: p, weights: wp, phaseKernel: 0,
                  workers: workers, into: yp, epilogue: e) { b, pad in prn_direct_conv_pad(xp + b * inItem, pad, c, h, w, p) }
    }

    /// The direct kernel over `batch` samples, `fill(b, pad)` writing sample b as its padded input
    /// (prn_direct_conv_pad's layout for [channels, height, width] and `padding`), the output of
    /// `kernel` at stride 1 into y through the epilogue.
    func runDirect(batch: Int, channels c: Int, height h: Int, width w: Int, kernel k: Int, padding p: Int,
                           weights wp: UnsafePointer<Float>, phaseKernel: Int, workers: Int, into yp: UnsafeMutablePointer<Float>,
                           epilogue e: ConvEpilogue, fill: (Int, UnsafeMutablePointer<Float>) -> Void) {
        let o = outChannels, threads = configuration.threads, blocks = (o + 7) / 8
        let plane = (h + 2 * p - k + 1) * (w + 2 * p - k + 1), outItem = o * plane
        let pads = Conv2d.prepare(&paddedInputs, workers: workers, count: prn_direct_conv_padded_size(c, h, w, p))
        e.withPointers { sp, bp, relu in
            if batch < threads {
                // Fewer samples than threads (batch 1 in deployment): the threads split each
                // sample's grid positions, in pairs of 16-position tiles, where there are enough
                // of them to share evenly, else its blocks of 8 output channels.
                let pad = pads[0].data, pairs = (prn_direct_conv_positions(h, w, k, p) + 31) / 32
                let byPositions = pairs >= 8 * threads || blocks < threads
                for b in 0..<batch {
                    fill(b, pad)
                    let y = yp + b * outItem
                    Parallel.chunks(byPositions ? pairs : blocks, threads: threads) { r in
                        if byPositions {
                            prn_direct_conv_part(pad, wp, y, c, h, w, k, p, o, phaseKernel, 0, o, r.lowerBound * 32,
                                                 r.count * 32, sp, bp, relu)
                        } else {
                            prn_direct_conv_part(pad, wp, y, c, h, w, k, p, o, phaseKernel, r.lowerBound * 8,
                                                 r.count * 8, 0, pairs * 32, sp, bp, relu)
                        }
                    }
                }
                return
            }
            perWorker(batch) { worker, samples in
                let pad = pads[worker].data
                for b in samples {
                    fill(b, pad)
                    prn_direct_conv(pad, wp, yp + b * outItem, c, h, w, k, p, o, phaseKernel, sp, bp, relu)
                }
            }
        }
    }

    /// Stride-2 convolutions with kernels of 5 or more (a ResNet's 7x7 stem) as stride-1 direct
    /// convolutions: the input split into its four phases (even/odd rows x even/odd columns) is
    /// 4C channels of half the size, over which a kernel of ceil(k/2) (the original's taps of
    /// each phase, zeros where 2u + a >= k) at stride 1 gives the same output. The direct kernel
    /// skips each phase's zero taps (its `phase_kernel`), so the multiply-adds are the original
    /// convolution's; the column matrix cost more: for resnet18's stem at batch 1 im2col took as
    /// long as the product.
    func phaseSplit(_ g: ConvGeometry) -> Bool {
        configuration.directConvolution && g.stride == 2 && g.kernel >= 5 && g.outWidth >= Conv2d.minimumDirectWidth
    }

    /// The stride-2 convolutions that `phaseSplit` takes, when their input has at most 4 channels
    /// (an image network's stem), run on prn_strided_conv_rows instead: broadcasting each input
    /// against vectors of output channels reads the stride-2 input in place, where the phase split
    /// first copies it into four phases (for resnet18's 7x7 stem a pass of its own over 600 KB),
    /// and its vector loads never straddle two cache lines.
    func stridedFewChannels(_ g: ConvGeometry) -> Bool {
        phaseSplit(g) && prn_strided_conv_applies(inChannels, g.kernel, g.stride) != 0
    }

    func forwardStrided(_ x: Tensor, _ y: Tensor, _ g: ConvGeometry, workers: Int, epilogue: ConvEpilogue?,
                                keep: Bool) {
        let c = inChannels, o = outChannels, k = kernel, p = padding, h = g.height, w = g.width
        let oh = g.outHeight, ow = g.outWidth, inItem = x.itemCount, outItem = o * oh * ow
        let xp = UnsafePointer(x.data), yp = y.data, batch = x.shape[0], threads = configuration.threads
        let weights = stridedWeight.get(from: weight.value, size: prn_strided_conv_weight_size(o, c, k), keep: keep) {
            prn_strided_conv_weight(weight.value.data, o, c, k, $0)
        }
        let scratch = prn_strided_conv_scratch_size(c, k, ow, o)
        (epilogue ?? ConvEpilogue(biasOf: self)).withPointers { scale, shift, relu in
            let rows = { (b: Int, r: Range<Int>) in
                guard let s = prn_thread_scratch(0, scratch) else {
                    preconditionFailure("conv2d: out of memory for \(scratch) floats of scratch")
                }
                prn_strided_conv_rows(xp + b * inItem, weights, yp + b * outItem, c, h, w, k, p, o, oh, ow, r.lowerBound,
                                      r.count, scale, shift, relu, s)
            }
            // Fewer samples than threads (batch 1 in deployment): the threads split each sample's rows.
            if batch < threads {
                for b in 0..<batch { Parallel.chunks(oh, threads: threads) { rows(b, $0) } }
            } else {
                perWorker(batch) { _, samples in for b in samples { rows(b, 0..<oh) } }
            }
        }
    }

    func forwardPhaseSplit(_ x: Tensor, _ y: Tensor, _ g: ConvGeometry, workers: Int, epilogue: ConvEpilogue?,
                                   keep: Bool) {
        let c = inChannels, h = g.height, w = g.width, p = padding, half = (kernel + 1) / 2
        let h2 = g.outHeight + half - 1, w2 = g.outWidth + half - 1, inItem = x.itemCount, xp = x.data
        let threads = configuration.threads
        let e = epilogue ?? ConvEpilogue(biasOf: self)
        runDirect(batch: x.shape[0], channels: 4 * c, height: h2, width: w2, kernel: half, padding: 0,
                  weights: phaseSplitWeights(keep: keep), phaseKernel: kernel, workers: workers, into: y.data,
                  epilogue: e) { b, pad in
            // One sample at a time (batch 1) runs this on one thread otherwise.
            Parallel.chunks(4 * c, threads: workers == 1 ? threads : 1) { r in
                prn_phase_split2(xp + b * inItem, pad, c, h, w, p, h2, w2, r.lowerBound, r.count)
            }
        }
    }

    /// Pointwise stride-2 convolutions (a ResNet's downsampling shortcut) as pointwise stride-1
    /// direct convolutions over the input's even rows and columns (`prn_subsample2`), for batches
    /// of at least one sample per thread: with 32 to 64 input channels the packed product's tiles
    /// spent about as long transposing and writing their outputs as multiplying. At batch 1, where
    /// the threads split one sample, the copy is a pass of its own and it was no faster.
    func subsampledPointwise(_ g: ConvGeometry, batch: Int) -> Bool {
        configuration.directConvolution && g.kernel == 1 && g.stride == 2 && g.padding == 0
            && g.outWidth >= Conv2d.minimumDirectWidth && batch >= configuration.threads
    }

    func forwardSubsampled(_ x: Tensor, _ y: Tensor, _ g: ConvGeometry, workers: Int, epilogue: ConvEpilogue?,
                                   keep: Bool) {
        let c = inChannels, h = g.height, w = g.width, oh = g.outHeight, ow = g.outWidth, inItem = x.itemCount
        let xp = x.data
        // Each worker copies its own samples (subsampledPointwise: a sample per thread).
        runDirect(batch: x.shape[0], channels: c, height: oh, width: ow, kernel: 1, padding: 0,
                  weights: directForwardWeights(keep: keep), phaseKernel: 0, workers: workers, into: y.data,
                  epilogue: epilogue ?? ConvEpilogue(biasOf: self)) { b, pad in
            prn_subsample2(xp + b * inItem, pad, c, h, w, oh, ow, 0, c)
        }
    }

    /// The phase-split convolution's weight (ConvKernels.phaseSplitWeights) in the direct kernel's
    /// layout.
    func phaseSplitWeights(keep: Bool) -> UnsafePointer<Float> {
        let o = outChannels, c = inChannels, k = kernel, half = (k + 1) / 2
        return directWeight.get(from: weight.value, size: 4 * c * half * half * ((o + 7) / 8 * 8), keep: keep) { dst in
            let split = Tensor(shape: [o, 4 * c, half, half])
            ConvKernels.phaseSplitWeights(weight.value.data, outChannels: o, inChannels: c, kernel: k, into: split.data)
            ConvKernels.directWeights(split.data, outChannels: o, inChannels: 4 * c, kernel: half, adjoint: false, into: dst)
        }
    }

    /// The weight in the direct kernel's layout (ConvKernels.directWeights), kept across eval
    /// forwards (at batch 1 rearranging a 512-channel weight costs about as much as the
    /// convolution).
    func directForwardWeights(keep: Bool) -> UnsafePointer<Float> {
        directWeight.get(from: weight.value, size: inChannels * kernel * kernel * ((outChannels + 7) / 8 * 8), keep: keep) {
            ConvKernels.directWeights(weight.value.data, outChannels: outChannels, inChannels: inChannels, kernel: kernel,
                                      adjoint: false, into: $0)
        }
    }
}

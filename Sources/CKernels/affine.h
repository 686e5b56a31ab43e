// The per-channel epilogue of a convolution (scale, shift, optional ReLU), shared by the kernels
// that write convolution outputs; static inline, so each target clone compiles its own copy.
#ifndef PRN_CKERNELS_AFFINE_H
#define PRN_CKERNELS_AFFINE_H

// max(v, 0) as Swift's max(v, 0) computes it (`0 >= v ? 0 : v`): NaN passes through, -0 becomes
// +0. Every kernel that applies a ReLU uses this, so fused and separate ReLUs agree bit for bit.
static inline float prn_relu_value(float v) { return 0.0f >= v ? 0.0f : v; }

// dst[i] = scale * src[i] + shift, then max(., 0) when `relu`; src may be dst (no restrict).
// Where the CPU has FMA the multiply-add contracts into one rounding.
static inline void prn_affine_relu_run(const float *src, float *dst, long count, float scale, float shift, int relu) {
    if (relu) {
        for (long i = 0; i < count; i++) {
            dst[i] = prn_relu_value(scale * src[i] + shift);
        }
    } else {
        for (long i = 0; i < count; i++) dst[i] = scale * src[i] + shift;
    }
}

// dst[i] = (scale * src[i] + shift) + residual[i], then max(., 0) when `relu`: a convolution
// and its batch norm, then the residual add and its ReLU. The sum is rounded as the separate add
// layer rounds it (the affine value first, then the add), so fused and separate agree.
static inline void prn_affine_add_relu_run(const float *src, const float *residual, float *dst, long count,
                                           float scale, float shift, int relu) {
    for (long i = 0; i < count; i++) {
        const float v = scale * src[i] + shift;
        const float sum = v + residual[i];
        dst[i] = relu ? prn_relu_value(sum) : sum;
    }
}

#endif

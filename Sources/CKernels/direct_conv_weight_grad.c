// The weight gradient of a stride-1 3x3 convolution without a column matrix (see
// include/CKernels.h).
//
// With the input in direct_conv.c's zero-padded planes and the output gradient laid on the same
// padded-width grid (zeros in the columns past the output), the gradient of tap (ki, kj) is
//     dW[o, c, ki, kj] = sum over grid positions q of dy[o, q] * padded[c, q + ki*Wp + kj],
// the forward's own indexing, so each tap of 16 consecutive positions is one contiguous load,
// as in the forward. Per pair of output channels and one input channel, 18 vector
// accumulators (2 outputs x 9 taps) collect 16 positions each; they are summed across their
// lanes once per group of samples. The im2col path writes a column matrix nine times the input
// and packs it again inside the GEMM, which is most of a small network's backward pass.
#include "CKernels.h"
#include "clones.h"
#include "direct_conv_layout.h"

long prn_direct_conv_dy_grid_size(long outs, long height, long width, long padding) {
    const long wp = width + 2 * padding, oh = out_rows(height, 3, padding);
    return outs * grid_row(oh * wp);
}

CLONES __attribute__((no_builtin("memset", "memcpy")))
void prn_direct_conv_dy_grid(const float *restrict dy, float *restrict grid, long outs, long height, long width,
                             long padding) {
    const long wp = width + 2 * padding, oh = out_rows(height, 3, padding), ow = wp - 2, nr = grid_row(oh * wp);
    for (long o = 0; o < outs; o++) {
        const float *src = dy + o * oh * ow;
        float *dst = grid + o * nr;
        for (long r = 0; r < oh; r++) {
            for (long q = 0; q < ow; q++) dst[r * wp + q] = src[r * ow + q];
            for (long q = ow; q < wp; q++) dst[r * wp + q] = 0.0f;
        }
        for (long q = oh * wp; q < nr; q++) dst[q] = 0.0f;
    }
}

// A tree of halvings: a running scalar sum would chain 16 dependent additions per accumulator,
// as long as the products themselves for small maps. Through a pointer: a 64-byte vector
// argument would fix one calling convention for every clone.
typedef float v4 __attribute__((vector_size(16), aligned(4)));
static inline __attribute__((always_inline)) float lanes_sum(const v16 *v) {
    const v8 h = __builtin_shufflevector(*v, *v, 0, 1, 2, 3, 4, 5, 6, 7) + __builtin_shufflevector(*v, *v, 8, 9, 10, 11, 12, 13, 14, 15);
    const v4 q = __builtin_shufflevector(h, h, 0, 1, 2, 3) + __builtin_shufflevector(h, h, 4, 5, 6, 7);
    return (q[0] + q[2]) + (q[1] + q[3]);
}

// Accumulators are named variables, not arrays: indexed arrays of vectors made the compiler
// copy all of them between registers (and spill some) on every iteration.
#define TAPS(X) X(0, 0) X(0, 1) X(0, 2) X(1, 0) X(1, 1) X(1, 2) X(2, 0) X(2, 1) X(2, 2)
#define DECLARE(ki, kj) v16 a##ki##kj = {0}, b##ki##kj = {0};
#define FMA(ki, kj) { const v16 v = load16(xs + t + ki * wp + kj); a##ki##kj += g0 * v; if (pair) b##ki##kj += g1 * v; }
#define STORE_A(ki, kj) dw[(o * channels + c) * 9 + ki * 3 + kj] += lanes_sum(&a##ki##kj);
#define STORE_B(ki, kj) dw[((o + 1) * channels + c) * 9 + ki * 3 + kj] += lanes_sum(&b##ki##kj);

// Output channel o (and o + 1 when `pair`, a constant at each call, so each inlined copy keeps
// only its own accumulators) against input channel c, over `samples` samples.
static inline __attribute__((always_inline)) void block(const float *restrict padded, long padded_stride,
        const float *restrict dy_grid, long grid_stride, long samples, float *restrict dw, long channels,
        long wp, long plane, long nr, long o, long c, const int pair) {
    TAPS(DECLARE)
    for (long s = 0; s < samples; s++) {
        const float *xs = padded + s * padded_stride + c * plane;
        const float *gs = dy_grid + s * grid_stride + o * nr;
        for (long t = 0; t < nr; t += 16) {
            const v16 g0 = load16(gs + t), g1 = pair ? load16(gs + nr + t) : g0;
            TAPS(FMA)
        }
    }
    TAPS(STORE_A)
    if (pair) { TAPS(STORE_B) }
}

CLONES
void prn_direct_conv_weight_grad(const float *restrict padded, long padded_stride, const float *restrict dy_grid,
                                 long grid_stride, long samples, float *restrict dw, long channels, long height,
                                 long width, long padding, long outs) {
    const long hp = height + 2 * padding + 1, wp = width + 2 * padding, plane = hp * wp;
    const long nr = grid_row(out_rows(height, 3, padding) * wp);
    // Two outputs per pass halve the input's loads; that needs AVX-512's 32 registers (18
    // accumulators). With 16 registers one output per pass keeps its 9 accumulators in them.
    const int pairs = prn_wide_registers();
    long o = 0;
    for (; pairs && o + 1 < outs; o += 2)
        for (long c = 0; c < channels; c++)
            block(padded, padded_stride, dy_grid, grid_stride, samples, dw, channels, wp, plane, nr, o, c, 1);
    for (; o < outs; o++)
        for (long c = 0; c < channels; c++)
            block(padded, padded_stride, dy_grid, grid_stride, samples, dw, channels, wp, plane, nr, o, c, 0);
}

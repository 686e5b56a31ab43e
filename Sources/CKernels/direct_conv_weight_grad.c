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

typedef float v16 __attribute__((vector_size(64), aligned(4)));
#define load16(p) (*(const v16 *)(p))

static long grid_row(long n) { return (n + 15) / 16 * 16; }

long prn_direct_conv_dy_grid_size(long outs, long height, long width, long padding) {
    const long wp = width + 2 * padding, oh = height + 2 * padding - 2;
    return outs * grid_row(oh * wp);
}

CLONES __attribute__((no_builtin("memset", "memcpy")))
void prn_direct_conv_dy_grid(const float *restrict dy, float *restrict grid, long outs, long height, long width,
                             long padding) {
    const long wp = width + 2 * padding, oh = height + 2 * padding - 2, ow = wp - 2, nr = grid_row(oh * wp);
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

// Through a pointer: a 64-byte vector argument would fix one calling convention for every clone.
static inline __attribute__((always_inline)) float lanes_sum(const v16 *v) {
    float s = 0.0f;
    for (int l = 0; l < 16; l++) s += (*v)[l];
    return s;
}

// OUTS output channels (1 or 2) against input channel c over `samples` samples.
#define WEIGHT_GRAD_BLOCK(OUTS)                                                                         \
    do {                                                                                                \
        v16 acc[OUTS][9];                                                                               \
        for (int u = 0; u < OUTS; u++)                                                                  \
            for (int tap = 0; tap < 9; tap++) acc[u][tap] = (v16){0};                                   \
        for (long s = 0; s < samples; s++) {                                                            \
            const float *xs = padded + s * padded_stride + c * plane;                                   \
            const float *gs = dy_grid + s * grid_stride + o * nr;                                       \
            for (long t = 0; t < nr; t += 16) {                                                         \
                v16 g[OUTS];                                                                            \
                for (int u = 0; u < OUTS; u++) g[u] = load16(gs + u * nr + t);                          \
                for (int ki = 0; ki < 3; ki++)                                                          \
                    for (int kj = 0; kj < 3; kj++) {                                                    \
                        const v16 v = load16(xs + t + ki * wp + kj);                                    \
                        for (int u = 0; u < OUTS; u++) acc[u][ki * 3 + kj] += g[u] * v;                 \
                    }                                                                                   \
            }                                                                                           \
        }                                                                                               \
        for (int u = 0; u < OUTS; u++)                                                                  \
            for (int tap = 0; tap < 9; tap++) dw[((o + u) * channels + c) * 9 + tap] += lanes_sum(&acc[u][tap]); \
    } while (0)

CLONES
void prn_direct_conv_weight_grad(const float *restrict padded, long padded_stride, const float *restrict dy_grid,
                                 long grid_stride, long samples, float *restrict dw, long channels, long height,
                                 long width, long padding, long outs) {
    const long hp = height + 2 * padding + 1, wp = width + 2 * padding, plane = hp * wp;
    const long nr = grid_row((height + 2 * padding - 2) * wp);
    // Two outputs per pass halve the input's loads; that needs AVX-512's 32 registers (18
    // accumulators). With 16 registers one output per pass keeps its 9 accumulators in them.
    const int pairs = __builtin_cpu_supports("avx512f");
    long o = 0;
    for (; pairs && o + 1 < outs; o += 2)
        for (long c = 0; c < channels; c++) WEIGHT_GRAD_BLOCK(2);
    for (; o < outs; o++)
        for (long c = 0; c < channels; c++) WEIGHT_GRAD_BLOCK(1);
}

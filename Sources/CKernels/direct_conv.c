// Direct convolution for stride-1 convolutions (see include/CKernels.h).
//
// The input is copied once into a zero-padded plane per channel, [C, H + 2p (+1), Wp] with
// Wp = W + 2p. With the output laid out at that padded width too, the input of output position
// q for tap (ki, kj) is at q + ki*Wp + kj: every tap of 16 consecutive output positions is one
// contiguous (unaligned) load. So the convolution needs no column matrix: per block of 8 output
// channels and 16 positions, each tap is one load and 8 multiply-adds into register
// accumulators. The Wp - OW extra columns per output row are computed and dropped by the
// copy-out; for "same" 3x3 convolutions that waste (6% at width 32, 25% at width 8) is far less
// than writing, then packing, a column matrix nine times the input's size.
#include "CKernels.h"
#include "clones.h"
#include "affine.h"
#include "direct_conv_layout.h"

long prn_direct_conv_padded_size(long channels, long height, long width, long padding) {
    // One spare row per channel plane, plus a vector's worth of slack: the last tile's loads
    // run past the last valid position.
    const long hp = height + 2 * padding + 1, wp = width + 2 * padding;
    return channels * hp * wp + 16;
}

long prn_direct_conv_grid_size(long outs, long height, long width, long kernel, long padding) {
    const long wp = width + 2 * padding, n = out_rows(height, kernel, padding) * wp;
    return ((outs + 7) / 8 * 8) * grid_row(n);
}

// no_builtin: the border loops are one or two floats long; as memset/memcpy calls they would
// cost more than the stores.
CLONES __attribute__((no_builtin("memset", "memcpy")))
void prn_direct_conv_pad(const float *restrict x, float *restrict padded, long channels, long height,
                         long width, long padding) {
    // Every float is written once: the border (top rows, left and right columns, bottom rows
    // with the spare one) as zeros, the interior from x, and the slack after the last plane.
    const long hp = height + 2 * padding + 1, wp = width + 2 * padding;
    for (long c = 0; c < channels; c++) {
        const float *src = x + c * height * width;
        float *plane = padded + c * hp * wp;
        for (long i = 0; i < padding * wp; i++) plane[i] = 0.0f;
        for (long r = 0; r < height; r++) {
            float *row = plane + (padding + r) * wp;
            for (long q = 0; q < padding; q++) row[q] = 0.0f;
            for (long q = 0; q < width; q++) row[padding + q] = src[r * width + q];
            for (long q = padding + width; q < wp; q++) row[q] = 0.0f;
        }
        for (long i = (padding + height) * wp; i < hp * wp; i++) plane[i] = 0.0f;
    }
    for (long i = channels * hp * wp; i < channels * hp * wp + 16; i++) padded[i] = 0.0f;
}

// Taps of channel c that can be nonzero, rows and columns: all k x k, or for the weight of a
// phase-split stride-2 convolution with an original kernel of `phase_kernel` (channel c is phase
// (a, b) = ((c % 4) / 2, c % 2) of its input channel, whose taps 2u + a of the original kernel
// exist for u < (phase_kernel - a + 1) / 2) the rows and columns its phase has: the rest are
// zeros (7x7: 49 of 64 taps), so they are skipped.
static inline long tap_rows(long c, long kernel, long phase_kernel) {
    return phase_kernel ? (phase_kernel - (c % 4) / 2 + 1) / 2 : kernel;
}
static inline long tap_cols(long c, long kernel, long phase_kernel) {
    return phase_kernel ? (phase_kernel - c % 2 + 1) / 2 : kernel;
}

// The block's outputs h .. h + n - 1 over 8 * q positions from `padded` on, in AVX2's 16
// registers (n * q at most 12 accumulators, one vector of input and one broadcast at a time):
// 12 accumulators keep both FMA pipes busy through their latency, where 8 left them waiting.
// Each sum runs over the taps in the same order as with AVX-512's blocking, so the bits are the
// same. Output h + i's positions are stored from g + (h + i) * nr on.
static inline __attribute__((always_inline))
void direct_outputs(const float *restrict padded, const float *restrict block, float *restrict g, long nr,
                    long channels, long plane, long wp, long kernel, long phase_kernel, long h, const int n,
                    const int q) {
    v8 a[6][4] = {{{0}}};
    for (long c = 0; c < channels; c++) {
        const float *base = padded + c * plane;
        const long rows = tap_rows(c, kernel, phase_kernel), cols = tap_cols(c, kernel, phase_kernel);
        for (long ki = 0; ki < rows; ki++) {
            const float *w = block + ((c * kernel + ki) * kernel) * 8 + h;
            for (long kj = 0; kj < cols; kj++, w += 8) {
                const float *src = base + ki * wp + kj;
                for (int j = 0; j < q; j++) {
                    const v8 p = *(const v8 *)(src + 8 * j);
                    for (int i = 0; i < n; i++) a[i][j] += w[i] * p;
                }
            }
        }
    }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < q; j++) *(v8 *)(g + (h + i) * nr + 8 * j) = a[i][j];
}

CLONES
void prn_direct_conv_block(const float *restrict padded, const float *restrict weight_t, float *restrict grid,
                           long channels, long height, long width, long kernel, long padding, long outs,
                           long first, long count, long phase_kernel) {
    const long hp = height + 2 * padding + 1, wp = width + 2 * padding, plane = hp * wp;
    const long nr = grid_row(out_rows(height, kernel, padding) * wp), or8 = (outs + 7) / 8 * 8;
    const long end = first + count < or8 ? (first + count + 7) / 8 * 8 : or8, taps = channels * kernel * kernel;
    const int wide = prn_wide_registers();
    for (long o0 = first; o0 < end; o0 += 8) {
        const float *block = weight_t + o0 * taps;
        // Two 16-position tiles at a time: 16 accumulators (eight outputs) with AVX-512's 32
        // vector registers, 12 (three outputs at a time, direct_outputs) with AVX2's 16; either
        // keeps both FMA pipes busy through their latency, where one tile's 8 left them waiting.
        long t = 0;
        for (; t + 16 < nr; t += 32) {
            if (!wide) {
                float *g = grid + o0 * nr + t;
                direct_outputs(padded + t, block, g, nr, channels, plane, wp, kernel, phase_kernel, 0, 3, 4);
                direct_outputs(padded + t, block, g, nr, channels, plane, wp, kernel, phase_kernel, 3, 3, 4);
                direct_outputs(padded + t, block, g, nr, channels, plane, wp, kernel, phase_kernel, 6, 2, 4);
                continue;
            }
            v16 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, a4 = {0}, a5 = {0}, a6 = {0}, a7 = {0};
            v16 b0 = {0}, b1 = {0}, b2 = {0}, b3 = {0}, b4 = {0}, b5 = {0}, b6 = {0}, b7 = {0};
            for (long c = 0; c < channels; c++) {
                const float *base = padded + c * plane + t;
                const long rows = tap_rows(c, kernel, phase_kernel), cols = tap_cols(c, kernel, phase_kernel);
                for (long ki = 0; ki < rows; ki++) {
                    const float *w = block + ((c * kernel + ki) * kernel) * 8;
                    for (long kj = 0; kj < cols; kj++, w += 8) {
                        const v16 v = load16(base + ki * wp + kj), u = load16(base + ki * wp + kj + 16);
                        a0 += w[0] * v; a1 += w[1] * v; a2 += w[2] * v; a3 += w[3] * v;
                        a4 += w[4] * v; a5 += w[5] * v; a6 += w[6] * v; a7 += w[7] * v;
                        b0 += w[0] * u; b1 += w[1] * u; b2 += w[2] * u; b3 += w[3] * u;
                        b4 += w[4] * u; b5 += w[5] * u; b6 += w[6] * u; b7 += w[7] * u;
                    }
                }
            }
            float *g = grid + o0 * nr + t;
            store16(g, a0); store16(g + nr, a1); store16(g + 2 * nr, a2); store16(g + 3 * nr, a3);
            store16(g + 4 * nr, a4); store16(g + 5 * nr, a5); store16(g + 6 * nr, a6); store16(g + 7 * nr, a7);
            g += 16;
            store16(g, b0); store16(g + nr, b1); store16(g + 2 * nr, b2); store16(g + 3 * nr, b3);
            store16(g + 4 * nr, b4); store16(g + 5 * nr, b5); store16(g + 6 * nr, b6); store16(g + 7 * nr, b7);
        }
        for (; t < nr; t += 16) {
            float *g = grid + o0 * nr + t;
            if (wide) {
                v16 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, a4 = {0}, a5 = {0}, a6 = {0}, a7 = {0};
                for (long c = 0; c < channels; c++) {
                    const float *base = padded + c * plane + t;
                    const long rows = tap_rows(c, kernel, phase_kernel), cols = tap_cols(c, kernel, phase_kernel);
                    for (long ki = 0; ki < rows; ki++) {
                        const float *w = block + ((c * kernel + ki) * kernel) * 8;
                        for (long kj = 0; kj < cols; kj++, w += 8) {
                            const v16 v = load16(base + ki * wp + kj);
                            a0 += w[0] * v; a1 += w[1] * v; a2 += w[2] * v; a3 += w[3] * v;
                            a4 += w[4] * v; a5 += w[5] * v; a6 += w[6] * v; a7 += w[7] * v;
                        }
                    }
                }
                store16(g, a0); store16(g + nr, a1); store16(g + 2 * nr, a2); store16(g + 3 * nr, a3);
                store16(g + 4 * nr, a4); store16(g + 5 * nr, a5); store16(g + 6 * nr, a6); store16(g + 7 * nr, a7);
                continue;
            }
            // With AVX2's 16 registers: outputs 0-5, then 6-7.
            direct_outputs(padded + t, block, g, nr, channels, plane, wp, kernel, phase_kernel, 0, 6, 2);
            direct_outputs(padded + t, block, g, nr, channels, plane, wp, kernel, phase_kernel, 6, 2, 2);
        }
    }
}

void prn_direct_conv(const float *padded, const float *weight_t, float *grid, long channels, long height,
                     long width, long kernel, long padding, long outs, long phase_kernel) {
    prn_direct_conv_block(padded, weight_t, grid, channels, height, width, kernel, padding, outs, 0, outs, phase_kernel);
}

CLONES
void prn_direct_conv_output(const float *restrict grid, float *restrict y, long outs, long height, long width,
                            long kernel, long padding, const float *scale, const float *shift, int relu) {
    const long wp = width + 2 * padding, oh = out_rows(height, kernel, padding), ow = wp - kernel + 1;
    const long nr = grid_row(oh * wp);
    for (long o = 0; o < outs; o++) {
        const float a = scale ? scale[o] : 1.0f, b = shift ? shift[o] : 0.0f;
        const float *src = grid + o * nr;
        float *dst = y + o * oh * ow;
        for (long r = 0; r < oh; r++) prn_affine_relu_run(src + r * wp, dst + r * ow, ow, a, b, relu);
    }
}

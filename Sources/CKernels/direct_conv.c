// Direct convolution for stride-1 convolutions (see include/CKernels.h).
//
// The input is copied once into a zero-padded plane per channel, [C, H + 2p (+1), Wp] with
// Wp = W + 2p. With the output positions numbered at that padded width too (a grid), the input
// of grid position q for tap (ki, kj) is at q + ki*Wp + kj: every tap of 16 consecutive
// positions is one contiguous (unaligned) load. So the convolution needs no column matrix: per
// block of 8 output channels and 16 positions, each tap is one load and 8 multiply-adds into
// register accumulators. The Wp - OW extra columns per output row are computed and dropped as
// a tile is written out; for "same" 3x3 convolutions that waste (6% at width 32, 25% at width
// 8) is far less than writing, then packing, a column matrix nine times the input's size.
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

long prn_direct_conv_positions(long height, long width, long kernel, long padding) {
    return grid_row(out_rows(height, kernel, padding) * (width + 2 * padding));
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

// One input channel's taps (rows x cols of them, from `base`, its weights from w0) added into the
// accumulators a[i][j] of direct_outputs.
static inline __attribute__((always_inline))
void channel_outputs(v8 a[6][4], const float *restrict base, const float *restrict w0, long wp, long kernel,
                     const long rows, const long cols, const int n, const int q) {
    for (long ki = 0; ki < rows; ki++) {
        const float *w = w0 + ki * kernel * 8;
        for (long kj = 0; kj < cols; kj++, w += 8) {
            const float *src = base + ki * wp + kj;
            for (int j = 0; j < q; j++) {
                const v8 p = *(const v8 *)(src + 8 * j);
                for (int i = 0; i < n; i++) a[i][j] += w[i] * p;
            }
        }
    }
}

// The block's outputs h .. h + n - 1 over 8 * q positions from `padded` on, in AVX2's 16
// registers (n * q at most 12 accumulators, one vector of input and one broadcast at a time):
// 12 accumulators keep both FMA pipes busy through their latency, where 8 left them waiting.
// Each sum runs over the taps in the same order as with AVX-512's blocking, so the bits are the
// same. Output h + i's sums go to tile[h + i][0 .. 8q).
static inline __attribute__((always_inline))
void direct_outputs(const float *restrict padded, const float *restrict block, float tile[8][32], long channels,
                    long plane, long wp, long kernel, long phase_kernel, long h, const int n, const int q) {
    v8 a[6][4] = {{{0}}};
    // Pointwise: one tap per channel, without the per-channel tap counts.
    if (kernel == 1)
        for (long c = 0; c < channels; c++) channel_outputs(a, padded + c * plane, block + c * 8 + h, wp, 1, 1, 1, n, q);
    else for (long c = 0; c < channels; c++) {
        const float *base = padded + c * plane, *w = block + c * kernel * kernel * 8 + h;
        const long rows = tap_rows(c, kernel, phase_kernel), cols = tap_cols(c, kernel, phase_kernel);
        // The common tap counts with constant bounds, so that their loops unroll.
        switch (rows * 8 + cols) {
        case 4 * 8 + 4: channel_outputs(a, base, w, wp, kernel, 4, 4, n, q); break;
        case 4 * 8 + 3: channel_outputs(a, base, w, wp, kernel, 4, 3, n, q); break;
        case 3 * 8 + 4: channel_outputs(a, base, w, wp, kernel, 3, 4, n, q); break;
        case 3 * 8 + 3: channel_outputs(a, base, w, wp, kernel, 3, 3, n, q); break;
        default: channel_outputs(a, base, w, wp, kernel, rows, cols, n, q);
        }
    }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < q; j++) *(v8 *)(tile[h + i] + 8 * j) = a[i][j];
}

// The block's 8 outputs over 16 * q positions (q = 1 or 2) from `padded` on with AVX-512's 32
// registers: 8 * q accumulators, one vector of input per 16 positions and one broadcast per
// output, the taps in direct_outputs' order.
static inline __attribute__((always_inline))
void direct_outputs_wide(const float *restrict padded, const float *restrict block, float tile[8][32],
                         long channels, long plane, long wp, long kernel, long phase_kernel, const int q) {
    v16 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, a4 = {0}, a5 = {0}, a6 = {0}, a7 = {0};
    v16 b0 = {0}, b1 = {0}, b2 = {0}, b3 = {0}, b4 = {0}, b5 = {0}, b6 = {0}, b7 = {0};
    for (long c = 0; c < channels; c++) {
        const float *base = padded + c * plane;
        const long rows = tap_rows(c, kernel, phase_kernel), cols = tap_cols(c, kernel, phase_kernel);
        for (long ki = 0; ki < rows; ki++) {
            const float *w = block + ((c * kernel + ki) * kernel) * 8;
            for (long kj = 0; kj < cols; kj++, w += 8) {
                const v16 v = load16(base + ki * wp + kj);
                a0 += w[0] * v; a1 += w[1] * v; a2 += w[2] * v; a3 += w[3] * v;
                a4 += w[4] * v; a5 += w[5] * v; a6 += w[6] * v; a7 += w[7] * v;
                if (q == 2) {
                    const v16 u = load16(base + ki * wp + kj + 16);
                    b0 += w[0] * u; b1 += w[1] * u; b2 += w[2] * u; b3 += w[3] * u;
                    b4 += w[4] * u; b5 += w[5] * u; b6 += w[6] * u; b7 += w[7] * u;
                }
            }
        }
    }
    store16(tile[0], a0); store16(tile[1], a1); store16(tile[2], a2); store16(tile[3], a3);
    store16(tile[4], a4); store16(tile[5], a5); store16(tile[6], a6); store16(tile[7], a7);
    if (q == 2) {
        store16(tile[0] + 16, b0); store16(tile[1] + 16, b1); store16(tile[2] + 16, b2); store16(tile[3] + 16, b3);
        store16(tile[4] + 16, b4); store16(tile[5] + 16, b5); store16(tile[6] + 16, b6); store16(tile[7] + 16, b7);
    }
}

// The sums of outputs o0 .. o0 + 7 (those below `outs`) over the `len` grid positions from t,
// tile[i][0 .. len), into y [outs, oh, ow] through the epilogue. Grid position t is output row
// t / wp, column t % wp; the wp - ow columns past each row's end, and rows past oh, are dropped.
static inline void store_tile(float tile[8][32], float *restrict y, long o0, long outs, long t, long len, long wp,
                              long ow, long oh, const float *scale, const float *shift, int relu) {
    const long n = outs - o0 < 8 ? outs - o0 : 8;
    long r = t / wp, col = t - r * wp;
    for (long q = 0; q < len && r < oh; r++, col = 0) {
        const long run = len - q < wp - col ? len - q : wp - col, valid = ow - col < run ? ow - col : run;
        for (long i = 0; valid > 0 && i < n; i++)
            prn_affine_relu_run(tile[i] + q, y + ((o0 + i) * oh + r) * ow + col, valid, scale ? scale[o0 + i] : 1.0f,
                                shift ? shift[o0 + i] : 0.0f, relu);
        q += run;
    }
}

// Asks for the lines of y that store_tile will write for 32 positions from t (outputs o0 ..
// o0 + 7) while the current tile computes: a layer's output is rarely still cached from the last
// forward, and without this each new line's fetch would stall the stores.
static inline void prefetch_tile(float *y, long o0, long outs, long t, long wp, long ow, long oh) {
    const long r = t / wp, col = t - r * wp;
    if (r >= oh) return;
    const long n = outs - o0 < 8 ? outs - o0 : 8;
    for (long i = 0; i < n; i++) {
        const float *p = y + ((o0 + i) * oh + r) * ow + (col < ow ? col : ow - 1);
        __builtin_prefetch(p, 1, 3);
        __builtin_prefetch(p + 16, 1, 3);
        __builtin_prefetch(p + 31, 1, 3);
    }
}

// Grid positions per chunk: a chunk's input rows (its positions and the kernel's reach below
// them, every channel) stay in L2 while each block of 8 outputs passes over them, where blocks
// over the whole plane would each stream it from memory (the 7x7 stem's 12 phase planes are
// 640 KB). About 128 KB of input; at least one pair of tiles.
static long chunk_positions(long channels, long wp, long kernel) {
    const long s = (32768 / channels - (kernel - 1) * wp - kernel) / 32 * 32;
    return s < 32 ? 32 : s;
}

CLONES
void prn_direct_conv_part(const float *restrict padded, const float *restrict weight_t, float *restrict y,
                          long channels, long height, long width, long kernel, long padding, long outs,
                          long phase_kernel, long out_first, long out_count, long pos_first, long pos_count,
                          const float *scale, const float *shift, int relu) {
    const long hp = height + 2 * padding + 1, wp = width + 2 * padding, plane = hp * wp;
    const long oh = out_rows(height, kernel, padding), ow = wp - kernel + 1, nr = grid_row(oh * wp);
    const long or8 = (outs + 7) / 8 * 8, taps = channels * kernel * kernel;
    const long out_end = out_first + out_count < or8 ? (out_first + out_count + 7) / 8 * 8 : or8;
    const long pos_end = pos_first + pos_count < nr ? pos_first + pos_count : nr;
    const long chunk = chunk_positions(channels, wp, kernel);
    const int wide = prn_wide_registers();
    float tile[8][32] __attribute__((aligned(64)));
    for (long c0 = pos_first; c0 < pos_end; c0 += chunk) {
        const long c1 = c0 + chunk < pos_end ? c0 + chunk : pos_end;
        for (long o0 = out_first; o0 < out_end; o0 += 8) {
            const float *block = weight_t + o0 * taps;
            // Two 16-position tiles at a time: 16 accumulators (eight outputs) with AVX-512's 32
            // vector registers, 12 (three outputs at a time) with AVX2's 16; either keeps both
            // FMA pipes busy through their latency, where one tile's 8 left them waiting.
            long t = c0;
            for (; t + 16 < c1; t += 32) {
                prefetch_tile(y, o0, outs, t + 32, wp, ow, oh);
                if (wide) {
                    direct_outputs_wide(padded + t, block, tile, channels, plane, wp, kernel, phase_kernel, 2);
                } else {
                    direct_outputs(padded + t, block, tile, channels, plane, wp, kernel, phase_kernel, 0, 3, 4);
                    direct_outputs(padded + t, block, tile, channels, plane, wp, kernel, phase_kernel, 3, 3, 4);
                    direct_outputs(padded + t, block, tile, channels, plane, wp, kernel, phase_kernel, 6, 2, 4);
                }
                store_tile(tile, y, o0, outs, t, 32, wp, ow, oh, scale, shift, relu);
            }
            for (; t < c1; t += 16) {
                if (wide) {
                    direct_outputs_wide(padded + t, block, tile, channels, plane, wp, kernel, phase_kernel, 1);
                } else {
                    // With AVX2's 16 registers: outputs 0-5, then 6-7.
                    direct_outputs(padded + t, block, tile, channels, plane, wp, kernel, phase_kernel, 0, 6, 2);
                    direct_outputs(padded + t, block, tile, channels, plane, wp, kernel, phase_kernel, 6, 2, 2);
                }
                store_tile(tile, y, o0, outs, t, 16, wp, ow, oh, scale, shift, relu);
            }
        }
    }
}

void prn_direct_conv(const float *padded, const float *weight_t, float *y, long channels, long height, long width,
                     long kernel, long padding, long outs, long phase_kernel, const float *scale, const float *shift,
                     int relu) {
    prn_direct_conv_part(padded, weight_t, y, channels, height, width, kernel, padding, outs, phase_kernel, 0, outs,
                         0, prn_direct_conv_positions(height, width, kernel, padding), scale, shift, relu);
}

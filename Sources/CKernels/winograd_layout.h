// What the Winograd kernels share (winograd_conv.c: F(2x2, 3x3); winograd43_conv.c: F(4x4, 3x3);
// the weight gradients, winograd_weight_grad.c and winograd43_weight_grad.c): the numbering of
// tiles, the gathered row buffers, the gather and the output pass. `m` is the tile's side in
// outputs (2 or 4); a tile reads the (m + 2)-square input patch under it.
#ifndef PRN_CKERNELS_WINOGRAD_LAYOUT_H
#define PRN_CKERNELS_WINOGRAD_LAYOUT_H

#include "affine.h"
#include "direct_conv_layout.h"

// Rows of m x m tiles per sample, and tiles per row of tiles (one spare past the last).
static inline long tiles_down(long height, long padding, long m) { return (height + 2 * padding - 2 + m - 1) / m; }
static inline long tiles_across(long width, long padding, long m) { return (width + 2 * padding - 2 + m - 1) / m + 1; }
static inline long tile_rows(long height, long padding) { return tiles_down(height, padding, 2); }
static inline long tile_stride(long width, long padding) { return tiles_across(width, padding, 2); }
// Floats per gathered plane of `tiles` tiles, with slack for the last vector's loads.
static inline long plane_size_m(long tiles, long m) { return m * tiles + 16; }
static inline long plane_size(long tiles) { return plane_size_m(tiles, 2); }
static inline long round8(long n) { return (n + 7) / 8 * 8; }

// Where weight (element e, input channel c, output o) of a transformed weight goes:
// [elements][blocks of 8 outputs][ins][8], so that the products of a block of 8 outputs read their
// weights as one sequential stream (with outputs innermost, [elements][ins][outs], a block reads
// 32 bytes every 4 * outs bytes).
static inline long winograd_weight_index(long e, long c, long o, long ins, long o8) {
    return (e * o8 + o / 8 * 8) * ins + c * 8 + o % 8;
}

// The 3x3 kernels of input channel c to outputs [ob * 8, ob * 8 + 8), one vector of 8 per kernel
// position (zeros past `outs`); with `adjoint`, those of the adjoint convolution, whose weight is
// the layer's [ins = its outs][outs = its ins] with in and out swapped and each kernel turned by
// 180 degrees.
static inline void winograd_kernels8(const float *weight, long ins, long outs, int adjoint, long c, long ob,
                                     v8 g[3][3]) {
    // Each output's nine taps are contiguous in the weight: read them kernel by kernel and
    // transpose through a small buffer, rather than gathering lane by lane with a test per value.
    float lanes[9][8] __attribute__((aligned(32)));
    for (long l = 0; l < 8; l++) {
        const long o = ob * 8 + l;
        if (o >= outs) {
            for (long k = 0; k < 9; k++) lanes[k][l] = 0.0f;
        } else if (adjoint) {
            const float *kernel = weight + (c * outs + o) * 9;
            for (long k = 0; k < 9; k++) lanes[k][l] = kernel[8 - k];
        } else {
            const float *kernel = weight + (o * ins + c) * 9;
            for (long k = 0; k < 9; k++) lanes[k][l] = kernel[k];
        }
    }
    for (long k = 0; k < 9; k++) __builtin_memcpy(&g[k / 3][k % 3], lanes[k], sizeof(v8));
}

// Stores element e of the transformed kernels of input channel c, outputs [ob * 8, ob * 8 + 8).
// (By address: a vector argument would change the calling convention between the clones.)
static inline void winograd_store8(float *u, long e, long c, long ob, long ins, long o8, const v8 *value) {
    __builtin_memcpy(u + winograd_weight_index(e, c, ob * 8, ins, o8), value, sizeof *value);
}

// Distance between the rows of transformed values of a chunk: one cache line more than the
// chunk, so that the rows a block walks through do not all fall into the same few sets of the
// L1 cache (with rows exactly a chunk long, 512 tiles at C = 16 put all 16 rows of a channel
// 32 KB apart, in one set).
static inline long chunk_row(long count) { return count + 16; }

// Tiles transformed at a time when each tile's transformed inputs take `floats_per_channel` x C
// floats: about 256 KB, a quarter of a 1 MB L2 cache, stays there while every block of 8 outputs
// reads it; a multiple of 32 (one wide block), at least 32, at most the call's tiles.
static inline long chunk_tiles_of(long channels, long tiles, long floats_per_channel) {
    long n = 65536 / floats_per_channel / channels / 32 * 32;
    if (n < 32) n = 32;
    return n < tiles ? n : tiles;
}

// Zeros rows [from, to) of each of the `elements` elements' blocks of a chunk (rows `ld` apart,
// blocks `e_stride` apart, `count` floats each): the padding rows that round a channel count up
// to a block's size.
static inline void zero_padding_rows_of(float *v, long elements, long e_stride, long from, long to, long ld,
                                        long count) {
    for (long e = 0; e < elements; e++)
        for (long r = from; r < to; r++)
            for (long t = 0; t < count; t++) v[e * e_stride + r * ld + t] = 0.0f;
}
static inline void zero_padding_rows(float *v, long e_stride, long from, long to, long ld, long count) {
    zero_padding_rows_of(v, 16, e_stride, from, to, ld, count);
}

#define EVENS(a, b) __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30)
#define ODDS(a, b) __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31)

// Gathers rows of tiles [row_first, row_first + row_count) of each sample (numbered from 0) into
// `rows`: per channel and per r in 0..m+1, input row m * i + r - padding of every row of tiles
// i, one after another, each m * tiles_across floats wide (zeros for the padding), so that tile
// f's input columns start at column m * f. Inlined with the width and padding as constants for
// the common shapes: rows of 8-32 floats copied by a loop of unknown length cost several times
// the stores themselves (an 8x8 image gathered at a third of the rate of a 56x56 one).
static inline __attribute__((always_inline, no_builtin("memset", "memcpy")))
void gather_tiles(const float *restrict x, float *restrict rows, long channels, long samples, long height, long width,
                  long padding, long tiles, long row_first, long row_count, long m) {
    const long wq = m * tiles_across(width, padding, m), plane = plane_size_m(tiles, m);
    for (long c = 0; c < channels; c++) {
        for (long r = 0; r < m + 2; r++) {
            float *dst = rows + (c * (m + 2) + r) * plane;
            for (long s = 0; s < samples; s++) {
                for (long i = 0; i < row_count; i++) {
                    float *row = dst + (s * row_count + i) * wq;
                    const long xr = m * (row_first + i) + r - padding;
                    if (xr < 0 || xr >= height) {
                        for (long q = 0; q < wq; q++) row[q] = 0.0f;
                        continue;
                    }
                    const float *src = x + ((s * channels + c) * height + xr) * width;
                    for (long q = 0; q < padding; q++) row[q] = 0.0f;
                    for (long q = 0; q < width; q++) row[padding + q] = src[q];
                    for (long q = padding + width; q < wq; q++) row[q] = 0.0f;
                }
            }
            for (long q = samples * row_count * wq; q < plane; q++) dst[q] = 0.0f;
        }
    }
}

// gather_tiles with the width and padding of "same" 3x3 convolutions of CIFAR-sized (32, 16, 8)
// and ImageNet-sized (56, 28, 14) stages as constants.
static inline __attribute__((always_inline, no_builtin("memset", "memcpy")))
void gather_tiles_shaped(const float *restrict x, float *restrict rows, long channels, long samples, long height,
                         long width, long padding, long tiles, long row_first, long row_count, long m) {
#define GATHER_WIDTH(w, p) gather_tiles(x, rows, channels, samples, height, w, p, tiles, row_first, row_count, m)
    if (padding != 1) GATHER_WIDTH(width, padding);
    else if (width == 8) GATHER_WIDTH(8, 1);
    else if (width == 14) GATHER_WIDTH(14, 1);
    else if (width == 16) GATHER_WIDTH(16, 1);
    else if (width == 28) GATHER_WIDTH(28, 1);
    else if (width == 32) GATHER_WIDTH(32, 1);
    else if (width == 56) GATHER_WIDTH(56, 1);
    else GATHER_WIDTH(width, 1);
#undef GATHER_WIDTH
}

// Writes output rows [m * row_first, m * (row_first + row_count)) (within the output) of each
// sample as scale * grid + shift (+ residual), then ReLU, from a grid holding m rows of m *
// tiles floats per output, whose rows of tiles start at row_first.
static inline __attribute__((always_inline))
void write_tiles(const float *restrict grid, float *restrict y, long outs, long samples, long height, long width,
                 long padding, long tiles, long row_first, long row_count, const float *scale, const float *shift,
                 const float *residual, int relu, long m) {
    const long oh = height + 2 * padding - 2, ow = width + 2 * padding - 2;
    const long wq = m * tiles_across(width, padding, m), row = m * tiles;
    const long r_end = m * (row_first + row_count) < oh ? m * (row_first + row_count) : oh;
    for (long s = 0; s < samples; s++) {
        for (long o = 0; o < outs; o++) {
            const float a = scale ? scale[o] : 1.0f, b = shift ? shift[o] : 0.0f;
            float *dst = y + (s * outs + o) * oh * ow;
            const float *add = residual ? residual + (s * outs + o) * oh * ow : 0;
            for (long r = m * row_first; r < r_end; r++) {
                const float *src = grid + (o * m + r % m) * row + (s * row_count + r / m - row_first) * wq;
                if (add) prn_affine_add_relu_run(src, add + r * ow, dst + r * ow, ow, a, b, relu);
                else prn_affine_relu_run(src, dst + r * ow, ow, a, b, relu);
            }
        }
    }
}

// F(4x4, 3x3)'s 4x4 transpose inside each 128-bit lane of four vectors (a, b, c, d): column j of
// the four rows a[4k..4k+3], b[..], c[..], d[..] becomes lane k of vector j, with in-lane
// shuffles, where a de-interleave across the lanes of a 16-float vector costs AVX2 several
// instructions.
#define LO_PAIRS(a, b) __builtin_shufflevector(a, b, PAIRS_LO)
#define HI_PAIRS(a, b) __builtin_shufflevector(a, b, PAIRS_HI)
#define LO_HALVES(a, b) __builtin_shufflevector(a, b, HALVES_LO)
#define HI_HALVES(a, b) __builtin_shufflevector(a, b, HALVES_HI)
#define LANE_TRANSPOSE(a, b, c, d, t)                                                     \
    do {                                                                                  \
        const v16 ab_lo = LO_PAIRS(a, b), ab_hi = HI_PAIRS(a, b);                         \
        const v16 cd_lo = LO_PAIRS(c, d), cd_hi = HI_PAIRS(c, d);                         \
        t[0] = LO_HALVES(ab_lo, cd_lo); t[1] = HI_HALVES(ab_lo, cd_lo);                   \
        t[2] = LO_HALVES(ab_hi, cd_hi); t[3] = HI_HALVES(ab_hi, cd_hi);                   \
    } while (0)

// v [16][rows_per_e][ld] = B^T d B of tiles [first, first + count) (count a multiple of 16) of
// the gathered rows of `channels` channels; rows channels..rows_per_e-1 are zeros.
void prn_winograd_transform_inputs(const float *rows, float *v, long channels, long rows_per_e, long plane,
                                   long first, long count, long ld);
// The same for F(4x4, 3x3): v [36][rows_per_e][ld] (winograd43_conv.c).
void prn_winograd43_transform_inputs(const float *rows, float *v, long channels, long rows_per_e, long plane,
                                     long first, long count, long ld);

#endif

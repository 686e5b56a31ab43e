// Winograd F(2x2, 3x3) for stride-1 3x3 convolutions (see include/CKernels.h).
//
// Each 2x2 block of outputs ("tile") comes from the 4x4 input patch under it: V = B^T d B,
// M = sum over input channels of U .* V with U = G g G^T the transformed 3x3 weight, and
// Y = A^T M A. The sum is 16 independent products [outs x C] x [C x tiles], one per element of
// the 4x4 transform: 16 multiply-adds per tile instead of the direct convolution's 36.
//
// Tiles are numbered across the rows of tiles of all samples of a call, each row with one spare
// tile, so that tile f's four input columns start at column 2f of a gathered row buffer: rows
// holds, per channel and per r in 0..3, input row 2i + r of every row of tiles i, one after
// another, each `2 * tile_stride` floats wide. 16 consecutive tiles are then two unaligned loads
// per input row split into even and odd columns, and the transforms work on 16 tiles per vector
// whatever the image width. The output is written on the same numbering (two rows per row of
// tiles) and copied out with the epilogue, dropping the spare tiles and an odd last row/column.
#include "CKernels.h"
#include "clones.h"
#include "affine.h"
#include "direct_conv_layout.h"
#include "winograd_layout.h"

long prn_winograd_tiles(long samples, long height, long width, long padding) {
    const long used = samples * tile_rows(height, padding) * tile_stride(width, padding);
    return (used + 31) / 32 * 32;
}

long prn_winograd_band_tiles(long row_count, long width, long padding) {
    return (row_count * tile_stride(width, padding) + 15) / 16 * 16;
}

long prn_winograd_rows_size(long channels, long tiles) { return channels * 4 * plane_size(tiles); }

long prn_winograd_grid_size(long outs, long tiles) { return round8(outs) * 4 * tiles; }

// Tiles transformed at a time: their 16 x C transformed inputs (64 * C bytes per tile), about
// 256 KB, stay in a quarter of a 1 MB L2 cache while every block of 8 outputs reads them.
static long chunk_tiles(long channels, long tiles) {
    long n = 4096 / channels / 32 * 32;
    if (n < 32) n = 32;
    return n < tiles ? n : tiles;
}

long prn_winograd_scratch_size(long channels, long tiles) {
    return 16 * channels * chunk_row(chunk_tiles(channels, tiles));
}

void prn_winograd_weights(const float *weight, float *u, long ins, long outs, int adjoint, long first_in,
                          long in_count) {
    const long o8 = round8(outs);
    for (long c = first_in; c < first_in + in_count; c++) {
        for (long o = 0; o < o8; o++) {
            float g[3][3], t[4][3];
            for (long k = 0; k < 9; k++) {
                // The adjoint convolution's weight is the layer's with in and out swapped and the
                // kernel turned by 180 degrees.
                g[k / 3][k % 3] = o >= outs ? 0.0f
                                : adjoint ? weight[(c * outs + o) * 9 + 8 - k] : weight[(o * ins + c) * 9 + k];
            }
            for (long j = 0; j < 3; j++) {
                t[0][j] = g[0][j];
                t[1][j] = 0.5f * (g[0][j] + g[1][j] + g[2][j]);
                t[2][j] = 0.5f * (g[0][j] - g[1][j] + g[2][j]);
                t[3][j] = g[2][j];
            }
            for (long a = 0; a < 4; a++) {
                const float row[4] = {t[a][0], 0.5f * (t[a][0] + t[a][1] + t[a][2]),
                                      0.5f * (t[a][0] - t[a][1] + t[a][2]), t[a][2]};
                for (long b = 0; b < 4; b++) u[((a * 4 + b) * ins + c) * o8 + o] = row[b];
            }
        }
    }
}

// The body of prn_winograd_gather, inlined with the width and padding as constants for the
// common shapes: rows of 8-32 floats copied by a loop of unknown length cost several times the
// stores themselves (an 8x8 image gathered at a third of the rate of a 56x56 one). Gathers rows
// of tiles [row_first, row_first + row_count) of each sample, numbered from 0.
static inline __attribute__((always_inline, no_builtin("memset", "memcpy")))
void gather(const float *restrict x, float *restrict rows, long channels, long samples, long height, long width,
            long padding, long tiles, long row_first, long row_count) {
    const long wq = 2 * tile_stride(width, padding), plane = plane_size(tiles);
    for (long c = 0; c < channels; c++) {
        for (long r = 0; r < 4; r++) {
            float *dst = rows + (c * 4 + r) * plane;
            for (long s = 0; s < samples; s++) {
                for (long i = 0; i < row_count; i++) {
                    float *row = dst + (s * row_count + i) * wq;
                    const long xr = 2 * (row_first + i) + r - padding;
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

// "Same" 3x3 convolutions of CIFAR-sized (32, 16, 8) and ImageNet-sized (56, 28, 14) stages.
#define GATHER_SHAPES(samples, row_first, row_count)                                                              \
    do {                                                                                                         \
        if (padding != 1) gather(x, rows, channels, samples, height, width, padding, tiles, row_first, row_count); \
        else if (width == 8) gather(x, rows, channels, samples, height, 8, 1, tiles, row_first, row_count);      \
        else if (width == 14) gather(x, rows, channels, samples, height, 14, 1, tiles, row_first, row_count);    \
        else if (width == 16) gather(x, rows, channels, samples, height, 16, 1, tiles, row_first, row_count);    \
        else if (width == 28) gather(x, rows, channels, samples, height, 28, 1, tiles, row_first, row_count);    \
        else if (width == 32) gather(x, rows, channels, samples, height, 32, 1, tiles, row_first, row_count);    \
        else if (width == 56) gather(x, rows, channels, samples, height, 56, 1, tiles, row_first, row_count);    \
        else gather(x, rows, channels, samples, height, width, 1, tiles, row_first, row_count);                  \
    } while (0)

CLONES __attribute__((no_builtin("memset", "memcpy")))
void prn_winograd_gather(const float *restrict x, float *restrict rows, long channels, long samples, long height,
                         long width, long padding, long tiles) {
    GATHER_SHAPES(samples, 0, tile_rows(height, padding));
}

CLONES __attribute__((no_builtin("memset", "memcpy")))
void prn_winograd_gather_band(const float *restrict x, float *restrict rows, long channels, long height, long width,
                              long padding, long tiles, long row_first, long row_count) {
    GATHER_SHAPES(1, row_first, row_count);
}

// B^T along one input row of 16 tiles: (d0 - d2, d1 + d2, d2 - d1, d1 - d3).
#define INPUT_ROW(p, t0, t1, t2, t3)                                                        \
    do {                                                                                    \
        const v16 lo = load16(p), hi = load16((p) + 16);                                    \
        const v16 lo2 = load16((p) + 2), hi2 = load16((p) + 18);                            \
        const v16 in0 = EVENS(lo, hi), in1 = ODDS(lo, hi), in2 = EVENS(lo2, hi2), in3 = ODDS(lo2, hi2); \
        t0 = in0 - in2; t1 = in1 + in2; t2 = in2 - in1; t3 = in1 - in3;                     \
    } while (0)

CLONES
void prn_winograd_transform_inputs(const float *restrict rows, float *restrict v, long channels, long rows_per_e,
                                   long plane, long first, long count, long ld) {
    const long e_stride = rows_per_e * ld;
    zero_padding_rows(v, e_stride, channels, rows_per_e, ld, count);
    for (long c = 0; c < channels; c++) {
        const float *base = rows + c * 4 * plane + 2 * first;
        float *out = v + c * ld;
        for (long t = 0; t < count; t += 16) {
            const float *p = base + 2 * t;
            v16 a0, a1, a2, a3, b0, b1, b2, b3, c0, c1, c2, c3, d0, d1, d2, d3;
            INPUT_ROW(p, a0, a1, a2, a3);
            INPUT_ROW(p + plane, b0, b1, b2, b3);
            INPUT_ROW(p + 2 * plane, c0, c1, c2, c3);
            INPUT_ROW(p + 3 * plane, d0, d1, d2, d3);
            float *o = out + t;
            store16(o, a0 - c0); store16(o + e_stride, a1 - c1);
            store16(o + 2 * e_stride, a2 - c2); store16(o + 3 * e_stride, a3 - c3);
            o += 4 * e_stride;
            store16(o, b0 + c0); store16(o + e_stride, b1 + c1);
            store16(o + 2 * e_stride, b2 + c2); store16(o + 3 * e_stride, b3 + c3);
            o += 4 * e_stride;
            store16(o, c0 - b0); store16(o + e_stride, c1 - b1);
            store16(o + 2 * e_stride, c2 - b2); store16(o + 3 * e_stride, c3 - b3);
            o += 4 * e_stride;
            store16(o, b0 - d0); store16(o + e_stride, b1 - d1);
            store16(o + 2 * e_stride, b2 - d2); store16(o + 3 * e_stride, b3 - d3);
        }
    }
}

// Y = A^T M A for 16 tiles whose 16 products are m[e * stride]; the two output rows, each as
// 32 floats (left and right column interleaved), go to out0 and out1.
#define OUTPUT_TILES(m, stride, out0, out1)                                                            \
    do {                                                                                               \
        v16 r0[4], r1[4];                                                                              \
        for (int a = 0; a < 4; a++) {                                                                  \
            const v16 m0 = load16((m) + (a * 4) * (stride)), m1 = load16((m) + (a * 4 + 1) * (stride)); \
            const v16 m2 = load16((m) + (a * 4 + 2) * (stride)), m3 = load16((m) + (a * 4 + 3) * (stride)); \
            r0[a] = m0 + m1 + m2; r1[a] = m1 - m2 - m3;                                                \
        }                                                                                              \
        const v16 y00 = r0[0] + r0[1] + r0[2], y01 = r1[0] + r1[1] + r1[2];                            \
        const v16 y10 = r0[1] - r0[2] - r0[3], y11 = r1[1] - r1[2] - r1[3];                            \
        store16(out0, __builtin_shufflevector(y00, y01, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23)); \
        store16((out0) + 16, __builtin_shufflevector(y00, y01, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31)); \
        store16(out1, __builtin_shufflevector(y10, y11, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23)); \
        store16((out1) + 16, __builtin_shufflevector(y10, y11, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31)); \
    } while (0)

// For every block of 8 outputs in [o_first, o_end) and 32 (or 16) tiles of the chunk: the 16
// products over the input channels into m, then the output transform into the grid. `first` is
// the chunk's first tile, `tiles` the grid's row length in tiles.
CLONES
static void multiply_outputs(const float *restrict v, const float *restrict u, float *restrict grid, long channels,
                             long outs, long o_first, long o_end, long count, long ld, long first, long tiles) {
    const long o8 = round8(outs), e_stride = channels * ld, row = 2 * tiles;
    const int wide = __builtin_cpu_supports("avx512f");
    float m[16 * 8 * 32] __attribute__((aligned(64)));
    for (long o0 = o_first; o0 < o_end; o0 += 8) {
        long t = 0;
        // Two vectors of tiles at a time with AVX-512's 32 registers, as in direct_conv.c.
        for (; wide && t + 16 < count; t += 32) {
            for (long e = 0; e < 16; e++) {
                v16 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, a4 = {0}, a5 = {0}, a6 = {0}, a7 = {0};
                v16 b0 = {0}, b1 = {0}, b2 = {0}, b3 = {0}, b4 = {0}, b5 = {0}, b6 = {0}, b7 = {0};
                const float *x = v + e * e_stride + t, *w = u + e * channels * o8 + o0;
                for (long c = 0; c < channels; c++, x += ld, w += o8) {
                    const v16 p = load16(x), q = load16(x + 16);
                    a0 += w[0] * p; a1 += w[1] * p; a2 += w[2] * p; a3 += w[3] * p;
                    a4 += w[4] * p; a5 += w[5] * p; a6 += w[6] * p; a7 += w[7] * p;
                    b0 += w[0] * q; b1 += w[1] * q; b2 += w[2] * q; b3 += w[3] * q;
                    b4 += w[4] * q; b5 += w[5] * q; b6 += w[6] * q; b7 += w[7] * q;
                }
                float *d = m + e * 32;
                store16(d, a0); store16(d + 512, a1); store16(d + 1024, a2); store16(d + 1536, a3);
                store16(d + 2048, a4); store16(d + 2560, a5); store16(d + 3072, a6); store16(d + 3584, a7);
                d += 16;
                store16(d, b0); store16(d + 512, b1); store16(d + 1024, b2); store16(d + 1536, b3);
                store16(d + 2048, b4); store16(d + 2560, b5); store16(d + 3072, b6); store16(d + 3584, b7);
            }
            for (long i = 0; i < 8; i++) {
                float *out = grid + (o0 + i) * 2 * row + 2 * (first + t);
                OUTPUT_TILES(m + i * 512, 32, out, out + row);
                OUTPUT_TILES(m + i * 512 + 16, 32, out + 32, out + row + 32);
            }
        }
        for (; t < count; t += 16) {
            for (long e = 0; e < 16; e++) {
                v16 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, a4 = {0}, a5 = {0}, a6 = {0}, a7 = {0};
                const float *x = v + e * e_stride + t, *w = u + e * channels * o8 + o0;
                for (long c = 0; c < channels; c++, x += ld, w += o8) {
                    const v16 p = load16(x);
                    a0 += w[0] * p; a1 += w[1] * p; a2 += w[2] * p; a3 += w[3] * p;
                    a4 += w[4] * p; a5 += w[5] * p; a6 += w[6] * p; a7 += w[7] * p;
                }
                float *d = m + e * 32;
                store16(d, a0); store16(d + 512, a1); store16(d + 1024, a2); store16(d + 1536, a3);
                store16(d + 2048, a4); store16(d + 2560, a5); store16(d + 3072, a6); store16(d + 3584, a7);
            }
            for (long i = 0; i < 8; i++) {
                float *out = grid + (o0 + i) * 2 * row + 2 * (first + t);
                OUTPUT_TILES(m + i * 512, 32, out, out + row);
            }
        }
    }
}

void prn_winograd_conv(const float *rows, const float *u, float *scratch, float *grid, long channels, long outs,
                       long samples, long height, long width, long padding, long tiles, long first_out,
                       long out_count, long tile_begin, long tile_end) {
    const long o_end = first_out + out_count < outs ? round8(first_out + out_count) : round8(outs);
    const long used = samples * tile_rows(height, padding) * tile_stride(width, padding);
    long end = (used + 15) / 16 * 16;
    if (end > tile_end) end = tile_end;
    const long chunk = chunk_tiles(channels, tiles), plane = plane_size(tiles);
    for (long first = tile_begin; first < end; first += chunk) {
        const long n = chunk < end - first ? chunk : end - first;
        prn_winograd_transform_inputs(rows, scratch, channels, channels, plane, first, n, chunk_row(n));
        multiply_outputs(scratch, u, grid, channels, outs, first_out, o_end, n, chunk_row(n), first, tiles);
    }
}

// Writes output rows [2 * row_first, 2 * (row_first + row_count)) (within the output) of each
// sample from a grid whose rows of tiles start at row_first.
static inline __attribute__((always_inline))
void output(const float *restrict grid, float *restrict y, long outs, long samples, long height, long width,
            long padding, long tiles, long row_first, long row_count, const float *scale, const float *shift,
            const float *residual, int relu) {
    const long oh = height + 2 * padding - 2, ow = width + 2 * padding - 2;
    const long wq = 2 * tile_stride(width, padding), row = 2 * tiles;
    const long r_end = 2 * (row_first + row_count) < oh ? 2 * (row_first + row_count) : oh;
    for (long s = 0; s < samples; s++) {
        for (long o = 0; o < outs; o++) {
            const float a = scale ? scale[o] : 1.0f, b = shift ? shift[o] : 0.0f;
            float *dst = y + (s * outs + o) * oh * ow;
            const float *add = residual ? residual + (s * outs + o) * oh * ow : 0;
            for (long r = 2 * row_first; r < r_end; r++) {
                const float *src = grid + (o * 2 + r % 2) * row + (s * row_count + r / 2 - row_first) * wq;
                if (add) prn_affine_add_relu_run(src, add + r * ow, dst + r * ow, ow, a, b, relu);
                else prn_affine_relu_run(src, dst + r * ow, ow, a, b, relu);
            }
        }
    }
}

CLONES
void prn_winograd_output(const float *restrict grid, float *restrict y, long outs, long samples, long height,
                         long width, long padding, long tiles, const float *scale, const float *shift,
                         const float *residual, int relu) {
    output(grid, y, outs, samples, height, width, padding, tiles, 0, tile_rows(height, padding), scale, shift,
           residual, relu);
}

CLONES
void prn_winograd_output_band(const float *restrict grid, float *restrict y, long outs, long height, long width,
                              long padding, long tiles, long row_first, long row_count, const float *scale,
                              const float *shift, const float *residual, int relu) {
    output(grid, y, outs, 1, height, width, padding, tiles, row_first, row_count, scale, shift, residual, relu);
}

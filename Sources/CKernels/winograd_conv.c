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
#include "winograd_multiply.h"

long prn_winograd_tiles(long samples, long height, long width, long padding) {
    const long used = samples * tile_rows(height, padding) * tile_stride(width, padding);
    return (used + 15) / 16 * 16;
}

long prn_winograd_band_tiles(long row_count, long width, long padding) {
    return (row_count * tile_stride(width, padding) + 15) / 16 * 16;
}

long prn_winograd_rows_size(long channels, long tiles) { return channels * 4 * plane_size(tiles); }

long prn_winograd_grid_size(long outs, long tiles) { return round8(outs) * 4 * tiles; }

long prn_winograd_scratch_size(long channels, long tiles) {
    return 16 * channels * chunk_row(chunk_tiles_of(channels, tiles, 16));
}

CLONES
void prn_winograd_weights(const float *weight, float *u, long ins, long outs, int adjoint, long first_in,
                          long in_count) {
    const long o8 = round8(outs);
    for (long c = first_in; c < first_in + in_count; c++) {
        for (long ob = 0; ob < o8 / 8; ob++) {
            v8 g[3][3], t[4][3];
            winograd_kernels8(weight, ins, outs, adjoint, c, ob, g);
            // G g G^T, G = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]].
            for (long j = 0; j < 3; j++) {
                t[0][j] = g[0][j];
                t[1][j] = 0.5f * (g[0][j] + g[1][j] + g[2][j]);
                t[2][j] = 0.5f * (g[0][j] - g[1][j] + g[2][j]);
                t[3][j] = g[2][j];
            }
            for (long a = 0; a < 4; a++) {
                const v8 row[4] = {t[a][0], 0.5f * (t[a][0] + t[a][1] + t[a][2]),
                                   0.5f * (t[a][0] - t[a][1] + t[a][2]), t[a][2]};
                for (long b = 0; b < 4; b++) winograd_store8(u, a * 4 + b, c, ob, ins, o8, &row[b]);
            }
        }
    }
}

CLONES __attribute__((no_builtin("memset", "memcpy")))
void prn_winograd_gather(const float *restrict x, float *restrict rows, long channels, long samples, long height,
                         long width, long padding, long tiles, long row_first, long row_count) {
    gather_tiles_shaped(x, rows, channels, samples, height, width, padding, tiles, row_first, row_count, 2);
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

// Y = A^T M A for 16 tiles whose 16 products are mb[e * 32]; the two output rows, each as 32
// floats (left and right column interleaved), go to out and out + row.
static inline __attribute__((always_inline)) void output_tiles(const float *mb, float *out, long row) {
    v16 r0[4], r1[4];
    for (int a = 0; a < 4; a++) {
        const v16 m0 = load16(mb + (a * 4) * 32), m1 = load16(mb + (a * 4 + 1) * 32);
        const v16 m2 = load16(mb + (a * 4 + 2) * 32), m3 = load16(mb + (a * 4 + 3) * 32);
        r0[a] = m0 + m1 + m2; r1[a] = m1 - m2 - m3;
    }
    const v16 y00 = r0[0] + r0[1] + r0[2], y01 = r1[0] + r1[1] + r1[2];
    const v16 y10 = r0[1] - r0[2] - r0[3], y11 = r1[1] - r1[2] - r1[3];
    store16(out, __builtin_shufflevector(y00, y01, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23));
    store16(out + 16, __builtin_shufflevector(y00, y01, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31));
    store16(out + row, __builtin_shufflevector(y10, y11, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23));
    store16(out + row + 16, __builtin_shufflevector(y10, y11, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31));
}

CLONES
static void multiply_outputs(const float *restrict v, const float *restrict u, float *restrict grid, long channels,
                             long outs, long count, long ld, long first, long tiles) {
    multiply_tiles(v, u, grid, channels, outs, count, ld, first, tiles, 16, 2, output_tiles);
}

static void transform_chunk(const float *rows, float *v, long channels, long plane, long first, long count,
                            long ld) {
    prn_winograd_transform_inputs(rows, v, channels, channels, plane, first, count, ld);
}

void prn_winograd_conv(const float *rows, const float *u, float *scratch, float *grid, long channels, long outs,
                       long tiles) {
    winograd_chunks(rows, u, scratch, grid, channels, outs, tiles, 16, 2, transform_chunk, multiply_outputs);
}

CLONES
void prn_winograd_output(const float *restrict grid, float *restrict y, long outs, long samples, long height,
                         long width, long padding, long tiles, long row_first, long row_count, const float *scale,
                         const float *shift, const float *residual, int relu) {
    write_tiles(grid, y, outs, samples, height, width, padding, tiles, row_first, row_count, scale, shift, residual,
                relu, 2);
}

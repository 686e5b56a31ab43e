// Winograd F(4x4, 3x3) for the forwards and input gradients of stride-1 3x3 convolutions (see
// include/CKernels.h).
//
// Each 4x4 block of outputs ("tile") comes from the 6x6 input patch under it: V = B^T d B,
// M = sum over input channels of U .* V with U = G g G^T, Y = A^T M A (the matrices of Lavin and
// Gray, interpolation points 0, +-1, +-2 and infinity). The sum is 36 independent products, one
// per element of the 6x6 transform: 36 multiply-adds per tile of 16 outputs, 2.25 per output
// against F(2x2, 3x3)'s 4 and the direct convolution's 9. The larger transforms round more
// (their coefficients reach 8 and 1/24), still within 1e-5 of the logits' scale on whole
// networks (Winograd4x4AccuracyTests).
//
// Tiles are numbered as in winograd_conv.c, with 4 in place of 2: tile f's six input columns
// start at column 4f of the gathered rows (winograd_layout.h), so 16 tiles are four loads per
// input row split four ways, plus four more for the two columns past them.
#include "CKernels.h"
#include "clones.h"
#include "direct_conv_layout.h"
#include "winograd_layout.h"
#include "winograd_multiply.h"

long prn_winograd43_tiles(long samples, long height, long width, long padding) {
    const long used = samples * tiles_down(height, padding, 4) * tiles_across(width, padding, 4);
    return (used + 15) / 16 * 16;
}

long prn_winograd43_band_tiles(long row_count, long width, long padding) {
    return (row_count * tiles_across(width, padding, 4) + 15) / 16 * 16;
}

long prn_winograd43_rows_size(long channels, long tiles) { return channels * 6 * plane_size_m(tiles, 4); }

long prn_winograd43_grid_size(long outs, long tiles) { return round8(outs) * 16 * tiles; }

long prn_winograd43_scratch_size(long channels, long tiles) {
    return 36 * channels * chunk_row(chunk_tiles_of(channels, tiles, 36));
}

// G applied to three values: (g0 / 4, -(g0 + g1 + g2) / 6, -(g0 - g1 + g2) / 6,
// g0 / 24 + g1 / 12 + g2 / 6, g0 / 24 - g1 / 12 + g2 / 6, g2).
#define KERNEL_TRANSFORM(g0, g1, g2, t)                                                  \
    do {                                                                                 \
        const v8 even = (g0) + (g2), mid = (g0) * (1.0f / 24) + (g2) * (1.0f / 6);       \
        t[0] = (g0) * 0.25f;                                                             \
        t[1] = (even + (g1)) * (-1.0f / 6); t[2] = (even - (g1)) * (-1.0f / 6);          \
        t[3] = mid + (g1) * (1.0f / 12); t[4] = mid - (g1) * (1.0f / 12);                \
        t[5] = (g2);                                                                     \
    } while (0)

CLONES
void prn_winograd43_weights(const float *weight, float *u, long ins, long outs, int adjoint, long first_in,
                            long in_count) {
    const long o8 = round8(outs);
    for (long c = first_in; c < first_in + in_count; c++) {
        for (long ob = 0; ob < o8 / 8; ob++) {
            v8 g[3][3], t[6][3];
            winograd_kernels8(weight, ins, outs, adjoint, c, ob, g);
            for (long j = 0; j < 3; j++) {
                v8 column[6];
                KERNEL_TRANSFORM(g[0][j], g[1][j], g[2][j], column);
                for (long a = 0; a < 6; a++) t[a][j] = column[a];
            }
            for (long a = 0; a < 6; a++) {
                v8 row[6];
                KERNEL_TRANSFORM(t[a][0], t[a][1], t[a][2], row);
                for (long b = 0; b < 6; b++) winograd_store8(u, a * 6 + b, c, ob, ins, o8, &row[b]);
            }
        }
    }
}

CLONES __attribute__((no_builtin("memset", "memcpy")))
void prn_winograd43_gather(const float *restrict x, float *restrict rows, long channels, long samples, long height,
                           long width, long padding, long tiles, long row_first, long row_count) {
    gather_tiles_shaped(x, rows, channels, samples, height, width, padding, tiles, row_first, row_count, 4);
}

// B^T applied to six values: (4 d0 - 5 d2 + d4, (d4 - 4 d2) -+ (4 d1 - d3), (d4 - d2) -+ 2 (d1 - d3),
// 4 d1 - 5 d3 + d5).
#define INPUT_TRANSFORM(d0, d1, d2, d3, d4, d5, t)                  \
    do {                                                            \
        const v16 s = (d4) - 4.0f * (d2), p = 4.0f * (d1) - (d3);   \
        const v16 h = (d4) - (d2), q = 2.0f * ((d1) - (d3));         \
        t[0] = 4.0f * (d0) - 5.0f * (d2) + (d4);                     \
        t[1] = s - p; t[2] = s + p; t[3] = h - q; t[4] = h + q;      \
        t[5] = 4.0f * (d1) - 5.0f * (d3) + (d5);                     \
    } while (0)

// v [36][rows_per_e][ld] = B^T d B of tiles [first, first + count) (count a multiple of 16);
// rows channels..rows_per_e-1 are zeros. Within each 16 tiles the transform holds tile 4m + k
// at position 4k + m (the order LANE_TRANSPOSE leaves them in); output_tiles undoes it with the
// same transpose, and the products do not mind the order.
CLONES
void prn_winograd43_transform_inputs(const float *restrict rows, float *restrict v, long channels, long rows_per_e,
                                     long plane, long first, long count, long ld) {
    const long e_stride = rows_per_e * ld;
    zero_padding_rows_of(v, 36, e_stride, channels, rows_per_e, ld, count);
    v16 x[6][6];
    for (long c = 0; c < channels; c++) {
        const float *base = rows + c * 6 * plane + 4 * first;
        for (long t = 0; t < count; t += 16) {
            // Each input row: its six columns of the 16 tiles (4f .. 4f + 5), then B^T along them.
            for (int r = 0; r < 6; r++) {
                const float *p = base + r * plane + 4 * t;
                v16 col[6];
                LANE_TRANSPOSE(load16(p), load16(p + 16), load16(p + 32), load16(p + 48), col);
                // Columns 4 and 5 are the first two of the next four.
                const v16 m01 = LO_PAIRS(load16(p + 4), load16(p + 20));
                const v16 m23 = LO_PAIRS(load16(p + 36), load16(p + 52));
                col[4] = LO_HALVES(m01, m23);
                col[5] = HI_HALVES(m01, m23);
                INPUT_TRANSFORM(col[0], col[1], col[2], col[3], col[4], col[5], x[r]);
            }
            // Then B^T down each of the six columns.
            float *o = v + c * ld + t;
            for (int k = 0; k < 6; k++) {
                v16 y[6];
                INPUT_TRANSFORM(x[0][k], x[1][k], x[2][k], x[3][k], x[4][k], x[5][k], y);
                for (int r = 0; r < 6; r++) store16(o + (r * 6 + k) * e_stride, y[r]);
            }
        }
    }
}

// A^T applied to six values: (m0 + (m1 + m2) + (m3 + m4), (m1 - m2) + 2 (m3 - m4),
// (m1 + m2) + 4 (m3 + m4), (m1 - m2) + 8 (m3 - m4) + m5).
#define OUTPUT_TRANSFORM(m0, m1, m2, m3, m4, m5, y)                                 \
    do {                                                                            \
        const v16 s12 = (m1) + (m2), d12 = (m1) - (m2), s34 = (m3) + (m4), d34 = (m3) - (m4); \
        y[0] = (m0) + s12 + s34; y[1] = d12 + 2.0f * d34;                           \
        y[2] = s12 + 4.0f * s34; y[3] = d12 + 8.0f * d34 + (m5);                    \
    } while (0)

// Y = A^T M A for 16 tiles whose 36 products are mb[e * 32] (in transform_inputs' order); output
// row i of the tiles (four columns per tile) goes to out + i * row.
static inline __attribute__((always_inline)) void output_tiles(const float *mb, float *out, long row) {
    v16 r[6][4];
    for (int a = 0; a < 6; a++) {
        const float *p = mb + a * 6 * 32;
        OUTPUT_TRANSFORM(load16(p), load16(p + 32), load16(p + 64), load16(p + 96), load16(p + 128),
                         load16(p + 160), r[a]);
    }
    for (int j = 0; j < 4; j++) {
        // Column j of the rows: y[i] is output row i, column j of each tile.
        v16 y[4];
        OUTPUT_TRANSFORM(r[0][j], r[1][j], r[2][j], r[3][j], r[4][j], r[5][j], y);
        for (int i = 0; i < 4; i++) r[i][j] = y[i];
    }
    for (int i = 0; i < 4; i++) {
        // Back to tile order: vector m holds tiles 4m .. 4m + 3, four columns each.
        v16 y[4];
        LANE_TRANSPOSE(r[i][0], r[i][1], r[i][2], r[i][3], y);
        for (int m = 0; m < 4; m++) store16(out + i * row + 16 * m, y[m]);
    }
}

CLONES
static void multiply_outputs(const float *restrict v, const float *restrict u, float *restrict grid, long channels,
                             long outs, long count, long ld, long first, long tiles) {
    multiply_tiles(v, u, grid, channels, outs, count, ld, first, tiles, 36, 4, output_tiles);
}

static void transform_chunk(const float *rows, float *v, long channels, long plane, long first, long count,
                            long ld) {
    prn_winograd43_transform_inputs(rows, v, channels, channels, plane, first, count, ld);
}

void prn_winograd43_conv(const float *rows, const float *u, float *scratch, float *grid, long channels, long outs,
                         long tiles) {
    winograd_chunks(rows, u, scratch, grid, channels, outs, tiles, 36, 4, transform_chunk, multiply_outputs);
}

CLONES
void prn_winograd43_output(const float *restrict grid, float *restrict y, long outs, long samples, long height,
                           long width, long padding, long tiles, long row_first, long row_count, const float *scale,
                           const float *shift, const float *residual, int relu) {
    write_tiles(grid, y, outs, samples, height, width, padding, tiles, row_first, row_count, scale, shift, residual,
                relu, 4);
}

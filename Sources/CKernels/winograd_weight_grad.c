// The weight gradient of a stride-1 3x3 convolution in Winograd F(2x2, 3x3) form (see
// include/CKernels.h).
//
// The forward makes each 2x2 output tile as Y = A^T M A with M = sum over input channels of
// U .* V (U = G g G^T, V = B^T d B). So the gradient of U is, per element e of the 4x4
// transform, dU[e][k][c] = sum over tiles of dM[e][k] * V[e][c] with dM = A dY A^T, and the
// weight's is dg = G^T dU G: 16 multiply-adds per tile, output and input channel instead of the
// direct kernel's 36. Tiles are numbered as in winograd_conv.c; the output gradient is gathered
// onto that numbering with zeros at the spare tiles and past an odd last row or column, so
// those tiles add nothing. The sums over tiles are winograd_weight_sums.h's.
#include "CKernels.h"
#include "clones.h"
#include "direct_conv_layout.h"
#include "winograd_layout.h"
#include "winograd_weight_sums.h"

long prn_winograd_dy_rows_size(long outs, long tiles) { return outs * 4 * tiles; }

long prn_winograd_weight_grad_scratch_size(long channels, long outs, long tiles) {
    return weight_grad_scratch_floats(16, channels, outs, tiles);
}

long prn_winograd_weight_grad_sums_size(long channels, long outs) {
    return weight_grad_sums_floats(16, channels, outs);
}

// dy onto the tiles' numbering: [outs][2 rows][2 * tiles] (gather_dy_tiles).
// no_builtin: a row is 8 to 32 floats, which as a memmove call per row cost more than the copy
// (declared first: clang refuses target_clones with no_builtin on a function's first declaration).
static void gather_dy(const float *restrict dy, float *restrict dy_rows, long outs, long samples, long height,
                      long width, long padding, long tiles);
CLONES __attribute__((no_builtin("memset", "memcpy", "memmove")))
static void gather_dy(const float *restrict dy, float *restrict dy_rows, long outs, long samples, long height,
                      long width, long padding, long tiles) {
    gather_dy_tiles(dy, dy_rows, outs, samples, height, width, padding, tiles, 2);
}

// dm [16][k4][ld] = A dY A^T of tiles [first, first + count); rows outs..k4-1 zeros.
CLONES
static void transform_dy(const float *restrict dy_rows, float *restrict dm, long outs, long k4, long tiles,
                         long first, long count, long ld) {
    const long e_stride = k4 * ld, row = 2 * tiles;
    zero_padding_rows(dm, e_stride, outs, k4, ld, count);
    for (long k = 0; k < outs; k++) {
        const float *top = dy_rows + k * 2 * row + 2 * first;
        float *out = dm + k * ld;
        for (long t = 0; t < count; t += 16) {
            const v16 a = load16(top + 2 * t), b = load16(top + 2 * t + 16);
            const v16 c = load16(top + row + 2 * t), d = load16(top + row + 2 * t + 16);
            const v16 y00 = EVENS(a, b), y01 = ODDS(a, b), y10 = EVENS(c, d), y11 = ODDS(c, d);
            // A dY: rows (y0, y0 + y1, y0 - y1, -y1); then the same on the columns.
            const v16 r0[4][2] = {{y00, y01}, {y00 + y10, y01 + y11}, {y00 - y10, y01 - y11}, {-y10, -y11}};
            for (int i = 0; i < 4; i++) {
                float *o = out + (i * 4) * e_stride + t;
                store16(o, r0[i][0]);
                store16(o + e_stride, r0[i][0] + r0[i][1]);
                store16(o + 2 * e_stride, r0[i][0] - r0[i][1]);
                store16(o + 3 * e_stride, -r0[i][1]);
            }
        }
    }
}

// sums [16][k4 / 4][c4 / 4][16] += the chunk's products (winograd_weight_sums.h).
CLONES
static void reduce_chunk(const float *restrict v, const float *restrict dm, float *restrict sums, long c4, long k4,
                         long count, long ld) {
    reduce_chunk_of(v, dm, sums, c4, k4, count, ld, 16);
}

void prn_winograd_weight_grad(const float *x, const float *dy, float *rows, float *dy_rows, float *scratch,
                              float *sums, long channels, long outs, long samples, long height, long width,
                              long padding, long tiles) {
    weight_grad_pass(x, dy, rows, dy_rows, scratch, sums, channels, outs, samples, height, width, padding, tiles,
                     2, 16, prn_winograd_gather, gather_dy, prn_winograd_transform_inputs, transform_dy, reduce_chunk);
}

// dw += G^T dU G, G = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]]: a block of 4
// outputs x 4 inputs at a time, one vector per element of dU, then each lane to its own kernel.
CLONES
void prn_winograd_weight_grad_finish(const float *sums, float *dw, long channels, long outs) {
    const long kb = round4(outs) / 4, cb = round4(channels) / 4;
    for (long ko = 0; ko < kb; ko++) {
        for (long co = 0; co < cb; co++) {
            v16 du[4][4], r[3][4], g[3][3];
            for (long e = 0; e < 16; e++) du[e / 4][e % 4] = load16(sums + ((e * kb + ko) * cb + co) * 16);
            for (long j = 0; j < 4; j++) {
                r[0][j] = du[0][j] + 0.5f * (du[1][j] + du[2][j]);
                r[1][j] = 0.5f * (du[1][j] - du[2][j]);
                r[2][j] = 0.5f * (du[1][j] + du[2][j]) + du[3][j];
            }
            for (long i = 0; i < 3; i++) {
                g[i][0] = r[i][0] + 0.5f * (r[i][1] + r[i][2]);
                g[i][1] = 0.5f * (r[i][1] - r[i][2]);
                g[i][2] = 0.5f * (r[i][1] + r[i][2]) + r[i][3];
            }
            add_block_kernels(g, dw, ko, co, channels, outs);
        }
    }
}

// The weight gradient of a stride-1 3x3 convolution in Winograd F(4x4, 3x3) form (see
// include/CKernels.h).
//
// The forward makes each 4x4 output tile as Y = A^T M A with M = sum over input channels of
// U .* V (U = G g G^T, V = B^T d B; winograd43_conv.c). So, as for F(2x2, 3x3)
// (winograd_weight_grad.c), the gradient of U is, per element e of the 6x6 transform,
// dU[e][k][c] = sum over tiles of dM[e][k] * V[e][c] with dM = A dY A^T, and the weight's is
// dg = G^T dU G: 36 multiply-adds per tile of 16 outputs, output and input channel (2.25 per
// output against F(2x2, 3x3)'s 4 and the direct kernel's 9). Tiles are numbered and gathered as
// for the forward, so V is the forward's input transform; the output gradient is gathered onto
// the same numbering with zeros at the spare tiles and past the last rows and columns, so those
// tiles add nothing. The sums over tiles are winograd_weight_sums.h's.
#include "CKernels.h"
#include "clones.h"
#include "direct_conv_layout.h"
#include "winograd_layout.h"
#include "winograd_weight_sums.h"

long prn_winograd43_dy_rows_size(long outs, long tiles) { return outs * 16 * tiles; }

long prn_winograd43_weight_grad_scratch_size(long channels, long outs, long tiles) {
    return weight_grad_scratch_floats(36, channels, outs, tiles);
}

long prn_winograd43_weight_grad_sums_size(long channels, long outs) {
    return weight_grad_sums_floats(36, channels, outs);
}

// dy onto the tiles' numbering: [outs][4 rows][4 * tiles] (gather_dy_tiles).
// no_builtin: see winograd_weight_grad.c's gather_dy (declared first for the same reason).
static void gather_dy(const float *restrict dy, float *restrict dy_rows, long outs, long samples, long height,
                      long width, long padding, long tiles);
CLONES __attribute__((no_builtin("memset", "memcpy", "memmove")))
static void gather_dy(const float *restrict dy, float *restrict dy_rows, long outs, long samples, long height,
                      long width, long padding, long tiles) {
    gather_dy_tiles(dy, dy_rows, outs, samples, height, width, padding, tiles, 4);
}

// A applied to four values (A^T is the forward's output transform, winograd43_conv.c):
// (y0, y0 + y1 + y2 + y3, y0 - y1 + y2 - y3, y0 + 2 y1 + 4 y2 + 8 y3, y0 - 2 y1 + 4 y2 - 8 y3, y3).
#define DY_TRANSFORM(y0, y1, y2, y3, t)                                          \
    do {                                                                         \
        const v16 even = (y0) + (y2), odd = (y1) + (y3);                         \
        const v16 even4 = (y0) + 4.0f * (y2), odd2 = 2.0f * (y1) + 8.0f * (y3);  \
        t[0] = (y0); t[1] = even + odd; t[2] = even - odd;                       \
        t[3] = even4 + odd2; t[4] = even4 - odd2; t[5] = (y3);                   \
    } while (0)

// dm [36][k4][ld] = A dY A^T of tiles [first, first + count); rows outs..k4-1 zeros. Each 16
// tiles are transposed as the forward's input transform does them (LANE_TRANSPOSE), so that
// position p of dm and of v holds the same tile.
CLONES
static void transform_dy(const float *restrict dy_rows, float *restrict dm, long outs, long k4, long tiles,
                         long first, long count, long ld) {
    const long e_stride = k4 * ld, row = 4 * tiles;
    zero_padding_rows_of(dm, 36, e_stride, outs, k4, ld, count);
    for (long k = 0; k < outs; k++) {
        const float *top = dy_rows + k * 4 * row + 4 * first;
        float *out = dm + k * ld;
        for (long t = 0; t < count; t += 16) {
            // Each row of the tiles: its four columns, then A along them.
            v16 x[4][6];
            for (int r = 0; r < 4; r++) {
                const float *p = top + r * row + 4 * t;
                v16 col[4];
                LANE_TRANSPOSE(load16(p), load16(p + 16), load16(p + 32), load16(p + 48), col);
                DY_TRANSFORM(col[0], col[1], col[2], col[3], x[r]);
            }
            // Then A down each of the six columns.
            float *o = out + t;
            for (int j = 0; j < 6; j++) {
                v16 y[6];
                DY_TRANSFORM(x[0][j], x[1][j], x[2][j], x[3][j], y);
                for (int r = 0; r < 6; r++) store16(o + (r * 6 + j) * e_stride, y[r]);
            }
        }
    }
}

// sums [36][k4 / 4][c4 / 4][16] += the chunk's products (winograd_weight_sums.h).
CLONES
static void reduce_chunk(const float *restrict v, const float *restrict dm, float *restrict sums, long c4, long k4,
                         long count, long ld) {
    reduce_chunk_of(v, dm, sums, c4, k4, count, ld, 36);
}

void prn_winograd43_weight_grad(const float *x, const float *dy, float *rows, float *dy_rows, float *scratch,
                                float *sums, long channels, long outs, long samples, long height, long width,
                                long padding, long tiles) {
    weight_grad_pass(x, dy, rows, dy_rows, scratch, sums, channels, outs, samples, height, width, padding, tiles,
                     4, 36, prn_winograd43_gather, gather_dy, prn_winograd43_transform_inputs, transform_dy, reduce_chunk);
}

// G^T applied to six values (G is the forward's kernel transform, winograd43_conv.c):
// (u0 / 4 - (u1 + u2) / 6 + (u3 + u4) / 24, (u2 - u1) / 6 + (u3 - u4) / 12,
// (u3 + u4 - u1 - u2) / 6 + u5).
#define GRAD_TRANSFORM(u0, u1, u2, u3, u4, u5, g)                                      \
    do {                                                                               \
        const v16 s12 = (u1) + (u2), s34 = (u3) + (u4);                                \
        g[0] = (u0) * 0.25f - s12 * (1.0f / 6) + s34 * (1.0f / 24);                    \
        g[1] = ((u2) - (u1)) * (1.0f / 6) + ((u3) - (u4)) * (1.0f / 12);               \
        g[2] = (s34 - s12) * (1.0f / 6) + (u5);                                        \
    } while (0)

// dw += G^T dU G: a block of 4 outputs x 4 inputs at a time, one vector per element of dU, then
// each lane to its own kernel.
CLONES
void prn_winograd43_weight_grad_finish(const float *sums, float *dw, long channels, long outs) {
    const long kb = round4(outs) / 4, cb = round4(channels) / 4;
    for (long ko = 0; ko < kb; ko++) {
        for (long co = 0; co < cb; co++) {
            v16 du[6][6], r[3][6], g[3][3];
            for (long e = 0; e < 36; e++) du[e / 6][e % 6] = load16(sums + ((e * kb + ko) * cb + co) * 16);
            for (long j = 0; j < 6; j++) {
                v16 column[3];
                GRAD_TRANSFORM(du[0][j], du[1][j], du[2][j], du[3][j], du[4][j], du[5][j], column);
                for (long i = 0; i < 3; i++) r[i][j] = column[i];
            }
            for (long i = 0; i < 3; i++) GRAD_TRANSFORM(r[i][0], r[i][1], r[i][2], r[i][3], r[i][4], r[i][5], g[i]);
            add_block_kernels(g, dw, ko, co, channels, outs);
        }
    }
}

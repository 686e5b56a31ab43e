// What the Winograd weight gradients (winograd_weight_grad.c: F(2x2, 3x3); winograd43_weight_grad.c:
// F(4x4, 3x3)) share: the output gradient gathered onto the tiles' numbering, and the sums over
// tiles of the transformed output gradients times the transformed inputs, element by element.
//
// The sums over tiles are blocks of 4 outputs x 4 inputs, 16 vector accumulators over 16 tiles
// each, added across their lanes once per chunk of tiles by a tree that folds all 16 into one
// vector (lane L holds accumulator bitrev4(L)), so the block's running sums are one vector.
#ifndef PRN_CKERNELS_WINOGRAD_WEIGHT_SUMS_H
#define PRN_CKERNELS_WINOGRAD_WEIGHT_SUMS_H

#include "clones.h"
#include "direct_conv_layout.h"
#include "winograd_layout.h"

static inline long round4(long n) { return (n + 3) / 4 * 4; }

// Tiles per chunk. The sums run one element e at a time, so what must stay in the L2 cache is
// one element's transformed inputs, C x tiles floats, kept to 512 KB; the chunk as a whole
// (every element, inputs and output gradients) may be several MB. Long chunks matter: each block
// folds its 16 accumulators across lanes once per chunk, which at 64 tiles per chunk cost as
// much as the products.
static inline long weight_grad_chunk_tiles(long channels, long tiles) {
    long n = 131072 / round4(channels) / 16 * 16;
    if (n < 16) n = 16;
    return n < tiles ? n : tiles;
}

// Floats of a call's scratch (one chunk's transformed inputs and output gradients) and of the
// running sums, for a transform of `elements` elements.
static inline long weight_grad_scratch_floats(long elements, long channels, long outs, long tiles) {
    return elements * (round4(channels) + round4(outs)) * chunk_row(weight_grad_chunk_tiles(channels, tiles));
}
static inline long weight_grad_sums_floats(long elements, long channels, long outs) {
    return elements * round4(channels) * round4(outs);
}

// dy [samples, outs, OH, OW] onto the output grid's numbering (the layout the forward's output
// pass reads, winograd_layout.h): [outs][m rows][m * tiles], zeros at the spare tiles and past the
// last row or column, so those tiles add nothing.
static inline __attribute__((always_inline, no_builtin("memset", "memcpy", "memmove")))
void gather_dy_tiles(const float *restrict dy, float *restrict dy_rows, long outs, long samples, long height,
                     long width, long padding, long tiles, long m) {
    const long oh = height + 2 * padding - 2, ow = width + 2 * padding - 2;
    const long th = tiles_down(height, padding, m), wq = m * tiles_across(width, padding, m), row = m * tiles;
    for (long k = 0; k < outs; k++) {
        for (long r = 0; r < m; r++) {
            float *dst = dy_rows + (k * m + r) * row;
            for (long s = 0; s < samples; s++) {
                for (long i = 0; i < th; i++) {
                    float *d = dst + (s * th + i) * wq;
                    const long y = m * i + r;
                    long q = 0;
                    if (y < oh) {
                        const float *src = dy + ((s * outs + k) * oh + y) * ow;
                        for (; q < ow; q++) d[q] = src[q];
                    }
                    for (; q < wq; q++) d[q] = 0.0f;
                }
            }
            for (long q = samples * th * wq; q < row; q++) dst[q] = 0.0f;
        }
    }
}

// Adds a pair of vectors' halves: lanes 0-7 of the result sum a, lanes 8-15 sum b (each 8
// partial sums of 2 lanes). The next levels fold 4 and then 2 lanes the same way.
#define FOLD8(a, b) (__builtin_shufflevector(a, b, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23) + \
                     __builtin_shufflevector(a, b, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31))
#define FOLD4(a, b) (__builtin_shufflevector(a, b, 0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27) + \
                     __builtin_shufflevector(a, b, 4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31))
#define FOLD2(a, b) (__builtin_shufflevector(a, b, 0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29) + \
                     __builtin_shufflevector(a, b, 2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31))
#define FOLD1(a, b) (__builtin_shufflevector(a, b, 0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30) + \
                     __builtin_shufflevector(a, b, 1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31))

// Lane L of a block's sums holds the accumulator of (output, input) = divmod(bitrev4(L), 4).
static const int bitrev4[16] = {0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15};

#define ACC(i, j) a##i##j
#define DECLARE_ROW(i) v16 ACC(i, 0) = {0}, ACC(i, 1) = {0}, ACC(i, 2) = {0}, ACC(i, 3) = {0};
#define FMA_ROW(i) { const v16 g = load16(m##i + t); ACC(i, 0) += g * x0; ACC(i, 1) += g * x1; \
                     ACC(i, 2) += g * x2; ACC(i, 3) += g * x3; }

// Lanes off .. off + 7 of the accumulators of two output rows (g and h) with every input (x0 ..
// x3), stored into their rows of part (pg, ph: 4 x 16 floats each). A function of its own, so
// that its 8 accumulators, 4 inputs and 2 rows are all the registers it holds.
CLONES
static void half_pass(const float *restrict x0, const float *restrict x1, const float *restrict x2,
                      const float *restrict x3, const float *restrict g, const float *restrict h, long count,
                      long off, float *restrict pg, float *restrict ph) {
    v8 p0 = {0}, p1 = {0}, p2 = {0}, p3 = {0}, q0 = {0}, q1 = {0}, q2 = {0}, q3 = {0};
    for (long t = off; t < count; t += 16) {
        const v8 a = *(const v8 *)(x0 + t), b = *(const v8 *)(x1 + t);
        const v8 c = *(const v8 *)(x2 + t), d = *(const v8 *)(x3 + t);
        const v8 u = *(const v8 *)(g + t), w = *(const v8 *)(h + t);
        p0 += u * a; p1 += u * b; p2 += u * c; p3 += u * d;
        q0 += w * a; q1 += w * b; q2 += w * c; q3 += w * d;
    }
    *(v8 *)(pg + off) = p0; *(v8 *)(pg + 16 + off) = p1; *(v8 *)(pg + 32 + off) = p2; *(v8 *)(pg + 48 + off) = p3;
    *(v8 *)(ph + off) = q0; *(v8 *)(ph + 16 + off) = q1; *(v8 *)(ph + 32 + off) = q2; *(v8 *)(ph + 48 + off) = q3;
}
#define HALF_PASS(off, i, i2) half_pass(v0, v1, v2, v3, m##i, m##i2, count, off, part[i][0], part[i2][0]);
#define LOAD_ROW(i) ACC(i, 0) = load16(part[i][0]); ACC(i, 1) = load16(part[i][1]); \
                    ACC(i, 2) = load16(part[i][2]); ACC(i, 3) = load16(part[i][3]);

// sums [elements][k4 / 4][c4 / 4][16] += the chunk's products, block by block.
static inline __attribute__((always_inline))
void reduce_chunk_of(const float *restrict v, const float *restrict dm, float *restrict sums, long c4, long k4,
                     long count, long ld, long elements) {
    const long kb = k4 / 4, cb = c4 / 4;
    const int wide = prn_wide_registers();
    for (long e = 0; e < elements; e++) {
        for (long ko = 0; ko < kb; ko++) {
            const float *m0 = dm + (e * k4 + ko * 4) * ld, *m1 = m0 + ld, *m2 = m1 + ld, *m3 = m2 + ld;
            for (long co = 0; co < cb; co++) {
                const float *v0 = v + (e * c4 + co * 4) * ld, *v1 = v0 + ld, *v2 = v1 + ld, *v3 = v2 + ld;
                DECLARE_ROW(0) DECLARE_ROW(1) DECLARE_ROW(2) DECLARE_ROW(3)
                if (wide) {
                    for (long t = 0; t < count; t += 16) {
                        const v16 x0 = load16(v0 + t), x1 = load16(v1 + t), x2 = load16(v2 + t), x3 = load16(v3 + t);
                        FMA_ROW(0) FMA_ROW(1) FMA_ROW(2) FMA_ROW(3)
                    }
                } else {
                    // AVX2's 16 registers hold neither the 16 accumulators of 16 floats nor half
                    // of them: lanes 0-7 and 8-15 of each (tiles 16s .. 16s + 7 and 16s + 8 ..
                    // 16s + 15) are independent sums, so each half of two outputs' rows is a pass
                    // of 8 accumulators of 8 floats. The same sums in the same order.
                    float part[4][4][16];
                    HALF_PASS(0, 0, 1) HALF_PASS(0, 2, 3) HALF_PASS(8, 0, 1) HALF_PASS(8, 2, 3)
                    LOAD_ROW(0) LOAD_ROW(1) LOAD_ROW(2) LOAD_ROW(3)
                }
                const v16 s0 = FOLD8(a00, a01), s1 = FOLD8(a02, a03), s2 = FOLD8(a10, a11), s3 = FOLD8(a12, a13);
                const v16 s4 = FOLD8(a20, a21), s5 = FOLD8(a22, a23), s6 = FOLD8(a30, a31), s7 = FOLD8(a32, a33);
                const v16 t0 = FOLD4(s0, s1), t1 = FOLD4(s2, s3), t2 = FOLD4(s4, s5), t3 = FOLD4(s6, s7);
                const v16 u0 = FOLD2(t0, t1), u1 = FOLD2(t2, t3);
                float *dst = sums + ((e * kb + ko) * cb + co) * 16;
                store16(dst, load16(dst) + FOLD1(u0, u1));
            }
        }
    }
}

// The calls of one weight-gradient pass over `samples` samples (`m` the tiles' side, `elements`
// the transform's): the gathers of x and dy, then for each chunk of tiles the transforms of both
// into the scratch and their sums (winograd_weight_grad.c, winograd43_weight_grad.c).
typedef void (*weight_grad_gather)(const float *x, float *rows, long channels, long samples, long height, long width,
                                   long padding, long tiles, long row_first, long row_count);
typedef void (*weight_grad_gather_dy)(const float *dy, float *dy_rows, long outs, long samples, long height,
                                      long width, long padding, long tiles);
typedef void (*weight_grad_transform)(const float *rows, float *v, long channels, long rows_per_e, long plane,
                                      long first, long count, long ld);
typedef void (*weight_grad_transform_dy)(const float *dy_rows, float *dm, long outs, long k4, long tiles, long first,
                                         long count, long ld);
typedef void (*weight_grad_reduce)(const float *v, const float *dm, float *sums, long c4, long k4, long count,
                                   long ld);
static inline __attribute__((always_inline))
void weight_grad_pass(const float *x, const float *dy, float *rows, float *dy_rows, float *scratch, float *sums,
                      long channels, long outs, long samples, long height, long width, long padding, long tiles,
                      long m, long elements, weight_grad_gather gather, weight_grad_gather_dy gather_dy,
                      weight_grad_transform transform, weight_grad_transform_dy transform_dy,
                      weight_grad_reduce reduce) {
    const long down = tiles_down(height, padding, m);
    gather(x, rows, channels, samples, height, width, padding, tiles, 0, down);
    gather_dy(dy, dy_rows, outs, samples, height, width, padding, tiles);
    const long used = samples * down * tiles_across(width, padding, m);
    const long end = (used + 15) / 16 * 16, chunk = weight_grad_chunk_tiles(channels, tiles);
    const long plane = plane_size_m(tiles, m), c4 = round4(channels), k4 = round4(outs);
    for (long first = 0; first < end; first += chunk) {
        const long n = chunk < end - first ? chunk : end - first, ld = chunk_row(n);
        float *v = scratch, *dm = scratch + elements * c4 * ld;
        transform(rows, v, channels, c4, plane, first, n, ld);
        transform_dy(dy_rows, dm, outs, k4, tiles, first, n, ld);
        reduce(v, dm, sums, c4, k4, n, ld);
    }
}

// dw [outs, channels, 3, 3] += one block's kernels g (lane L: output ko * 4 + bitrev4(L) / 4,
// input co * 4 + bitrev4(L) % 4, as the sums hold them).
static inline __attribute__((always_inline))
void add_block_kernels(v16 g[3][3], float *dw, long ko, long co, long channels, long outs) {
    for (int lane = 0; lane < 16; lane++) {
        const long k = ko * 4 + bitrev4[lane] / 4, c = co * 4 + bitrev4[lane] % 4;
        if (k >= outs || c >= channels) continue;
        float *out = dw + (k * channels + c) * 9;
        for (long i = 0; i < 3; i++)
            for (long j = 0; j < 3; j++) out[i * 3 + j] += g[i][j][lane];
    }
}

#endif

// The products of the Winograd forward kernels (winograd_conv.c, winograd43_conv.c): for each of
// the `elements` elements of the transform, [8 outputs x C] x [C x tiles] with the direct
// kernel's register blocking (8 outputs x 32 tiles of accumulators), then the kernel's output
// transform of every 16 tiles into the grid.
#ifndef PRN_CKERNELS_WINOGRAD_MULTIPLY_H
#define PRN_CKERNELS_WINOGRAD_MULTIPLY_H

#include "direct_conv_layout.h"
#include "winograd_layout.h"

// Y = A^T M A of 16 tiles whose products are mb[e * 32], written as the m rows of the tiles
// (`row` floats apart) from `out` on, m values per tile.
typedef void (*winograd_tiles_out)(const float *mb, float *out, long row);

// The 8 outputs' accumulators of one element and 16 tiles, `block` floats apart.
#define STORE_OUTPUTS(d, block, r0, r1, r2, r3, r4, r5, r6, r7)                               \
    do {                                                                                      \
        store16(d, r0); store16((d) + (block), r1); store16((d) + 2 * (block), r2);           \
        store16((d) + 3 * (block), r3); store16((d) + 4 * (block), r4);                       \
        store16((d) + 5 * (block), r5); store16((d) + 6 * (block), r6);                       \
        store16((d) + 7 * (block), r7);                                                       \
    } while (0)

// The same sums in AVX2's 16 registers for n outputs w[0..n-1] and 8 * q tiles (n * q at most
// 12 accumulators, with one vector of x and one broadcast at a time): 12 accumulators keep both
// FMA pipes busy through their latency, where 8 left them waiting. Each sum runs over the
// channels in the same order as with AVX-512's blocking, so the bits are the same. Output i's
// tiles are stored from d + i * block on.
// `ahead`, if not NULL: the lines from there on, one per channel, are asked for (see
// multiply_tiles).
#define X_STEP(j) if ((j) < q) { const v8 p = *(const v8 *)(x + 8 * (j)); for (int i = 0; i < n; i++) a[i][j] += w[i] * p; }
static inline __attribute__((always_inline))
void outputs_by_tiles(const float *restrict x, const float *restrict w, long channels, long ld, float *restrict d,
                      long block, const int n, const int q, const float *ahead) {
    v8 a[6][4] = {{{0}}};
    for (long c = 0; c < channels; c++, x += ld, w += 8) {
        if (ahead) __builtin_prefetch(ahead + 8 * c, 0, 2);
        X_STEP(0) X_STEP(1) X_STEP(2) X_STEP(3)
    }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < q; j++) *(v8 *)(d + i * block + 8 * j) = a[i][j];
}

// For every block of 8 outputs (outs rounded up to 8) and 32 (or 16) tiles of the chunk v
// ([elements][channels][ld]), the products over the input channels with u (laid out by
// winograd_weight_index), then the output transform into the grid (m rows
// of m * tiles floats per output). `first` is the chunk's first tile.
static inline __attribute__((always_inline))
void multiply_tiles(const float *restrict v, const float *restrict u, float *restrict grid, long channels, long outs,
                    long count, long ld, long first, long tiles, long elements, long m,
                    winograd_tiles_out tiles_out) {
    const long o8 = round8(outs), e_stride = channels * ld, row = m * tiles, block = elements * 32;
    const int wide = prn_wide_registers();
    float mb[36 * 8 * 32] __attribute__((aligned(64)));
    for (long o0 = 0; o0 < o8; o0 += 8) {
        long t = 0;
        // Two vectors of tiles at a time: 16 accumulators with AVX-512's 32 registers, as in
        // direct_conv.c; with AVX2's 16, outputs 0-2, 3-5 and 6-7 in turn.
        // The first tiles of a block ask for the next block's weight of the same element (right
        // after this block's, [channels][8]) as they read their own: at batch 1 a late layer's
        // transformed weight comes from memory on every forward.
        const int next = o0 + 8 < o8;
        for (; t + 16 < count; t += 32) {
            for (long e = 0; e < elements; e++) {
                const float *x = v + e * e_stride + t, *w = u + (e * o8 + o0) * channels;
                const float *ahead = t == 0 && next ? w + 8 * channels : 0;
                if (!wide) {
                    float *d = mb + e * 32;
                    outputs_by_tiles(x, w, channels, ld, d, block, 3, 4, ahead);
                    outputs_by_tiles(x, w + 3, channels, ld, d + 3 * block, block, 3, 4, 0);
                    outputs_by_tiles(x, w + 6, channels, ld, d + 6 * block, block, 2, 4, 0);
                    continue;
                }
                v16 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, a4 = {0}, a5 = {0}, a6 = {0}, a7 = {0};
                v16 b0 = {0}, b1 = {0}, b2 = {0}, b3 = {0}, b4 = {0}, b5 = {0}, b6 = {0}, b7 = {0};
                for (long c = 0; c < channels; c++, x += ld, w += 8) {
                    if (ahead) __builtin_prefetch(ahead + 8 * c, 0, 2);
                    const v16 p = load16(x), q = load16(x + 16);
                    a0 += w[0] * p; a1 += w[1] * p; a2 += w[2] * p; a3 += w[3] * p;
                    a4 += w[4] * p; a5 += w[5] * p; a6 += w[6] * p; a7 += w[7] * p;
                    b0 += w[0] * q; b1 += w[1] * q; b2 += w[2] * q; b3 += w[3] * q;
                    b4 += w[4] * q; b5 += w[5] * q; b6 += w[6] * q; b7 += w[7] * q;
                }
                STORE_OUTPUTS(mb + e * 32, block, a0, a1, a2, a3, a4, a5, a6, a7);
                STORE_OUTPUTS(mb + e * 32 + 16, block, b0, b1, b2, b3, b4, b5, b6, b7);
            }
            for (long i = 0; i < 8; i++) {
                float *out = grid + (o0 + i) * m * row + m * (first + t);
                tiles_out(mb + i * block, out, row);
                tiles_out(mb + i * block + 16, out + 16 * m, row);
            }
        }
        for (; t < count; t += 16) {
            for (long e = 0; e < elements; e++) {
                const float *x = v + e * e_stride + t, *w = u + (e * o8 + o0) * channels;
                const float *ahead = t == 0 && next ? w + 8 * channels : 0;
                if (wide) {
                    v16 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, a4 = {0}, a5 = {0}, a6 = {0}, a7 = {0};
                    for (long c = 0; c < channels; c++, x += ld, w += 8) {
                        if (ahead) __builtin_prefetch(ahead + 8 * c, 0, 2);
                        const v16 p = load16(x);
                        a0 += w[0] * p; a1 += w[1] * p; a2 += w[2] * p; a3 += w[3] * p;
                        a4 += w[4] * p; a5 += w[5] * p; a6 += w[6] * p; a7 += w[7] * p;
                    }
                    STORE_OUTPUTS(mb + e * 32, block, a0, a1, a2, a3, a4, a5, a6, a7);
                } else {
                    // With AVX2's 16 registers: outputs 0-5, then 6-7.
                    outputs_by_tiles(x, w, channels, ld, mb + e * 32, block, 6, 2, ahead);
                    outputs_by_tiles(x, w + 6, channels, ld, mb + e * 32 + 6 * block, block, 2, 2, 0);
                }
            }
            for (long i = 0; i < 8; i++) {
                float *out = grid + (o0 + i) * m * row + m * (first + t);
                tiles_out(mb + i * block, out, row);
            }
        }
    }
}

// The transformed inputs of tiles [first, first + count) into v ([elements][channels][ld]), and
// their products with the transformed weight into the grid (multiply_tiles).
typedef void (*winograd_transform)(const float *rows, float *v, long channels, long plane, long first, long count,
                                   long ld);
typedef void (*winograd_products)(const float *v, const float *u, float *grid, long channels, long outs, long count,
                                  long ld, long first, long tiles);

// The products of every output over a call's `tiles` tiles, a chunk of tiles at a time
// (chunk_tiles_of): each chunk's inputs transformed into `scratch`, then multiplied into the grid.
static inline __attribute__((always_inline))
void winograd_chunks(const float *rows, const float *u, float *scratch, float *grid, long channels, long outs,
                     long tiles, long elements, long m, winograd_transform transform, winograd_products products) {
    const long chunk = chunk_tiles_of(channels, tiles, elements), plane = plane_size_m(tiles, m);
    for (long first = 0; first < tiles; first += chunk) {
        const long n = chunk < tiles - first ? chunk : tiles - first;
        transform(rows, scratch, channels, plane, first, n, chunk_row(n));
        products(scratch, u, grid, channels, outs, n, chunk_row(n), first, tiles);
    }
}

#endif

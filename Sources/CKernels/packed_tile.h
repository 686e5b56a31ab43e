// What packed_gemm.c and packed_conv.c share: the tile of 32 packed weight rows by 14 columns,
// its accumulators, and the epilogue that writes a tile's outputs (see packed_gemm.c).
#ifndef PRN_CKERNELS_PACKED_TILE_H
#define PRN_CKERNELS_PACKED_TILE_H

#include "direct_conv_layout.h"
#include "affine.h"

enum { ROWS = 32, HALF = 16, COLS = 14 };

// Column j of the tile: one broadcast of COLUMN(j), the tap's value at column j (a macro the
// including file defines before each tile it defines), feeding both halves' accumulators (the
// 14 broadcasts of a tap must not be live at once: with 28 accumulators that would spill).
#define FMA2(j) { const float s = COLUMN(j); a##j += s * w0; b##j += s * w1; }
#define FMA1(j) { a##j += COLUMN(j) * w0; }
#define EACH14(op) op(0) op(1) op(2) op(3) op(4) op(5) op(6) op(7) op(8) op(9) op(10) op(11) op(12) op(13)
#define EACH7(op) op(0) op(1) op(2) op(3) op(4) op(5) op(6)
#define DECLARE(j) v16 a##j = {0}, b##j = {0};
#define STORE_A(j) store16(out + (j) * ROWS, a##j);
#define STORE_B(j) store16(out + (j) * ROWS + HALF, b##j);

// The body of a tile function with parameters w (the packed weights of the tile's block: the
// first 16 rows' [k][16], then the other 16 rows' [k][16], `hk` = 16 k floats on), `half`,
// `wide` (prn_wide_registers(), read once per call of the kernel) and `out`: out[j][r] = the sum
// over the taps of row r's weight times COLUMN(j), for the columns j that EACH lists and the
// block's 32 rows (or its first 16 when `half`: the rest of that block is zeros, so skipping them
// only skips zeros). The taps come in `units` units (the including file's: one tap of a product,
// one channel's k x k taps of a convolution). FOR_TAPS(...) runs its arguments once per tap of
// units [u0, u1), with w at the tap's weights of the first 16 rows (those of the other 16 at
// w + hk) and COLUMN(j) reading the tap's value at column j; SEEK(u0) points w and x at unit u0
// of half hh (see NARROW_TILE_BODY); `chunk` is at least 1.
#define TILE_BODY(EACH, FOR_TAPS)                                                  \
    if (!wide) {                                                                   \
        NARROW_TILE_BODY(PASSES_##EACH, FOR_TAPS)                                  \
        return;                                                                    \
    }                                                                              \
    const long u0 = 0, u1 = units;                                                 \
    EACH(DECLARE)                                                                  \
    if (half) {                                                                    \
        FOR_TAPS(const v16 w0 = load16(w); EACH(FMA1))                             \
        EACH(STORE_A)                                                              \
        return;                                                                    \
    }                                                                              \
    FOR_TAPS(const v16 w0 = load16(w), w1 = load16(w + hk); EACH(FMA2))            \
    EACH(STORE_A)                                                                  \
    EACH(STORE_B)

// The same sums with AVX2's 16 registers, where the 28 accumulators (two registers each) would
// spill on every tap: 16 rows at a time, and of those a group of at most 5 columns (10
// accumulator registers, two of weights, one broadcast), each group a pass over the taps. The
// passes run over `chunk` units at a time, all of a chunk's passes before the next chunk (so
// that what a pass reads can still be in L1 for the next; packed_conv.c), each pass storing its
// accumulators into `out` and the next chunk's resuming from there. Every output is the same sum
// in the same order as above.
#define EACH_0_4(op) op(0) op(1) op(2) op(3) op(4)
#define EACH_5_9(op) op(5) op(6) op(7) op(8) op(9)
#define EACH_10_13(op) op(10) op(11) op(12) op(13)
#define EACH_0_3(op) op(0) op(1) op(2) op(3)
#define EACH_4_6(op) op(4) op(5) op(6)
#define PASSES_EACH14(PASS, FOR_TAPS) PASS(EACH_0_4, FOR_TAPS) PASS(EACH_5_9, FOR_TAPS) PASS(EACH_10_13, FOR_TAPS)
#define PASSES_EACH7(PASS, FOR_TAPS) PASS(EACH_0_3, FOR_TAPS) PASS(EACH_4_6, FOR_TAPS)
#define RESUME_A(j) v16 a##j = u0 ? load16(out + (j) * ROWS + hh * HALF) : (v16){0};
#define STORE_HALF(j) store16(out + (j) * ROWS + hh * HALF, a##j);
#define NARROW_PASS(GROUP, FOR_TAPS)                                               \
    {                                                                              \
        SEEK(u0);                                                                  \
        GROUP(RESUME_A)                                                            \
        FOR_TAPS(const v16 w0 = load16(w); GROUP(FMA1))                            \
        GROUP(STORE_HALF)                                                          \
    }
#define NARROW_TILE_BODY(PASSES, FOR_TAPS)                                         \
    const float *const w_first = w, *const x_first = x;                            \
    long u0 = 0;                                                                   \
    do { /* once with no units: the outputs are zeros */                           \
        const long u1 = u0 + chunk < units ? u0 + chunk : units;                   \
        for (int hh = 0; hh < (half ? 1 : 2); hh++) {                              \
            PASSES(NARROW_PASS, FOR_TAPS)                                          \
        }                                                                          \
        u0 += chunk;                                                               \
    } while (u0 < units);

// c[i][l] becomes c[l][i]: at each step the off-diagonal k x k blocks of every 2k x 2k block swap.
#define SWAP_BLOCKS(k, LO, HI)                                                      \
    for (int i = 0; i < 16; i++) {                                                  \
        if (i & (k)) continue;                                                      \
        const v16 p = c[i], q = c[i + (k)];                                         \
        c[i] = __builtin_shufflevector(p, q, LO);                                   \
        c[i + (k)] = __builtin_shufflevector(p, q, HI);                             \
    }

#define LO1 0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30
#define HI1 1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31
#define LO4 0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27
#define HI4 4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31
#define LO8 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23
#define HI8 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31

static inline __attribute__((always_inline)) void transpose16(v16 c[16]) {
    SWAP_BLOCKS(1, LO1, HI1)
    SWAP_BLOCKS(2, HALVES_LO, HALVES_HI)
    SWAP_BLOCKS(4, LO4, HI4)
    SWAP_BLOCKS(8, LO8, HI8)
}

// The epilogue of a full tile's 16-row half (out[j * ROWS + r], `rows` of them used): the 14
// column vectors transposed in registers into row vectors, each row's scale * v + shift, the
// residual's row (if `res`, laid out as dst) and ReLU applied as prn_affine_relu_run and
// prn_affine_add_relu_run apply them, 14 floats stored per row. Transposing element by element
// cost about as much as a tile's multiply-adds at K = 32 (1x1 convolutions).
static inline __attribute__((always_inline))
void write_rows(const float *out, long rows, float *dst, long ldy, const float *scale, const float *shift,
                const float *res, int relu) {
    v16 c[16];
    for (int j = 0; j < COLS; j++) c[j] = load16(out + j * ROWS);
    c[14] = c[15] = (v16){0};
    transpose16(c);
    typedef int i16 __attribute__((vector_size(64)));
    for (long r = 0; r < rows; r++) {
        v16 v = c[r] * (scale ? scale[r] : 1.0f) + (shift ? shift[r] : 0.0f);
        if (res) {
            v16 add = {0};
            __builtin_memcpy(&add, res + r * ldy, COLS * sizeof(float));
            v = v + add;
        }
        // prn_relu_value lane by lane: 0 where 0 >= v, v elsewhere (NaN kept, -0 made +0).
        if (relu) v = (v16)((i16)v & ~(i16)((v16){0} >= v));
        __builtin_memcpy(dst + r * ldy, &v, COLS * sizeof(float));
    }
}

// Writes a tile's outputs out[j * ROWS + r] (`rows` rows, `cols` columns) to dst (row stride
// ldy) through the epilogue; scale and shift point at the tile's first row or are NULL (1, 0),
// res at the residual of the tile's first output (laid out as dst) or is NULL.
static inline __attribute__((always_inline))
void write_tile(const float *out, long rows, long cols, float *dst, long ldy, const float *a, const float *b,
                const float *res, int relu) {
    if (cols == COLS) {
        write_rows(out, rows < HALF ? rows : HALF, dst, ldy, a, b, res, relu);
        if (rows > HALF)
            write_rows(out + HALF, rows - HALF, dst + HALF * ldy, ldy, a ? a + HALF : 0, b ? b + HALF : 0,
                       res ? res + HALF * ldy : 0, relu);
        return;
    }
    for (long r = 0; r < rows; r++) {
        float row[COLS];
        for (long j = 0; j < cols; j++) row[j] = out[j * ROWS + r];
        if (res) prn_affine_add_relu_run(row, res + r * ldy, dst + r * ldy, cols, a ? a[r] : 1.0f, b ? b[r] : 0.0f, relu);
        else prn_affine_relu_run(row, dst + r * ldy, cols, a ? a[r] : 1.0f, b ? b[r] : 0.0f, relu);
    }
}

#endif

// Y = epilogue(W X) with W packed once (see include/CKernels.h).
//
// For one sample the convolutions that go through a column matrix (strided, 1x1, the stem, maps
// narrower than the direct kernel takes) are products with few columns and a large weight: at
// batch 1, 512 channels on 7x7, W is 512 x 4608 and X 4608 x 49. A general GEMM packs W into
// its own layout on every call, which there costs as much as the multiply-adds. Here W is packed
// by the layer when it changes, in blocks of 32 rows stored tap-major ([k][32]), and the kernel
// vectorises over those 32 output channels: per tap, two weight vectors and 14 broadcast values
// of X feed 28 accumulators (AVX-512's 32 registers hold them), so no lane is wasted on a
// column count that is not a multiple of 16, and X is read in place (row stride ldx).
#include "CKernels.h"
#include "clones.h"
#include "direct_conv_layout.h"
#include "affine.h"

enum { ROWS = 32, HALF = 16, COLS = 14 };

long prn_packed_gemm_weight_size(long m, long k) { return (m + ROWS - 1) / ROWS * ROWS * k; }

long prn_packed_gemm_tiles(long n) { return (n + COLS - 1) / COLS; }

long prn_packed_gemm_tail_size(long k) { return k * COLS; }

int prn_packed_gemm_preferred(void) { return __builtin_cpu_supports("avx512f"); }

// Rows of block b: 32, or what is left at the end (zeros fill the block up to 32).
CLONES
void prn_packed_gemm_pack(const float *restrict w, long m, long k, float *restrict packed) {
    for (long r0 = 0; r0 < m; r0 += ROWS) {
        float *block = packed + r0 * k;
        const long rows = m - r0 < ROWS ? m - r0 : ROWS;
        for (long t = 0; t < k; t++) {
            for (long r = 0; r < rows; r++) block[t * ROWS + r] = w[(r0 + r) * k + t];
            for (long r = rows; r < ROWS; r++) block[t * ROWS + r] = 0.0f;
        }
    }
}

// Column j of the tile: one broadcast of x[j] feeding both halves' accumulators (the 14
// broadcasts of a tap must not be live at once: with 28 accumulators that would spill).
#define FMA2(j) { const float s = x[j]; a##j += s * w0; b##j += s * w1; }
#define FMA1(j) { a##j += x[j] * w0; }
#define EACH14(op) op(0) op(1) op(2) op(3) op(4) op(5) op(6) op(7) op(8) op(9) op(10) op(11) op(12) op(13)
#define EACH7(op) op(0) op(1) op(2) op(3) op(4) op(5) op(6)
#define DECLARE(j) v16 a##j = {0}, b##j = {0};
#define STORE_A(j) store16(out + (j) * ROWS, a##j);
#define STORE_B(j) store16(out + (j) * ROWS + HALF, b##j);

// out[j][r] = sum_t w[t][r] x[t][j] for the columns j that EACH lists and the block's 32 rows
// (or its first 16 when `half`: the rest of that block is zeros, so skipping them only skips
// zeros).
#define DEFINE_TILE(name, EACH)                                                                        \
    static inline __attribute__((always_inline))                                                      \
    void name(const float *restrict w, const float *restrict x, long ldx, long k, int half, float *restrict out) { \
        EACH(DECLARE)                                                                                 \
        if (half) {                                                                                   \
            for (long t = 0; t < k; t++, w += ROWS, x += ldx) {                                       \
                const v16 w0 = load16(w);                                                             \
                EACH(FMA1)                                                                            \
            }                                                                                         \
            EACH(STORE_A)                                                                             \
            return;                                                                                   \
        }                                                                                             \
        for (long t = 0; t < k; t++, w += ROWS, x += ldx) {                                           \
            const v16 w0 = load16(w), w1 = load16(w + HALF);                                          \
            EACH(FMA2)                                                                                \
        }                                                                                             \
        EACH(STORE_A)                                                                                 \
        EACH(STORE_B)                                                                                 \
    }

// A full tile of 14 columns, and a last tile of at most 7 (7x7 maps: 49 positions are 3 tiles
// and 7), which would otherwise multiply 7 columns of zeros. Each output is the same sum in the
// same order in both.
DEFINE_TILE(tile, EACH14)
DEFINE_TILE(tile7, EACH7)

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
#define LO2 0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29
#define HI2 2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31
#define LO4 0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27
#define HI4 4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31
#define LO8 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23
#define HI8 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31

static inline __attribute__((always_inline)) void transpose16(v16 c[16]) {
    SWAP_BLOCKS(1, LO1, HI1)
    SWAP_BLOCKS(2, LO2, HI2)
    SWAP_BLOCKS(4, LO4, HI4)
    SWAP_BLOCKS(8, LO8, HI8)
}

// The epilogue of a full tile's 16-row half (out[j * ROWS + r], `rows` of them used): the 14
// column vectors transposed in registers into row vectors, each row's scale * v + shift and ReLU
// applied as prn_affine_relu_run applies them, 14 floats stored per row. Transposing element by
// element cost about as much as a tile's multiply-adds at K = 32 (1x1 convolutions).
static inline __attribute__((always_inline))
void write_rows(const float *out, long rows, float *dst, long ldy, const float *scale, const float *shift, int relu) {
    v16 c[16];
    for (int j = 0; j < COLS; j++) c[j] = load16(out + j * ROWS);
    c[14] = c[15] = (v16){0};
    transpose16(c);
    typedef int i16 __attribute__((vector_size(64)));
    for (long r = 0; r < rows; r++) {
        v16 v = c[r] * (scale ? scale[r] : 1.0f) + (shift ? shift[r] : 0.0f);
        // prn_relu_value lane by lane: 0 where 0 >= v, v elsewhere (NaN kept, -0 made +0).
        if (relu) v = (v16)((i16)v & ~(i16)((v16){0} >= v));
        __builtin_memcpy(dst + r * ldy, &v, COLS * sizeof(float));
    }
}

CLONES
void prn_packed_gemm(const float *restrict packed, const float *restrict x, long ldx, float *restrict y, long ldy,
                     long m, long k, long n, long first_item, long item_count, const float *scale,
                     const float *shift, int relu, float *restrict tail) {
    const long tiles = prn_packed_gemm_tiles(n), last = n / COLS;
    // The last tile's columns past n would be read from past the end of X: that tile reads a
    // copy, its missing columns zero.
    int tail_ready = 0;
    float out[COLS * ROWS];
    for (long item = first_item; item < first_item + item_count; item++) {
        const long r0 = item / tiles * ROWS, j0 = item % tiles * COLS;
        const long rows = m - r0 < ROWS ? m - r0 : ROWS, cols = n - j0 < COLS ? n - j0 : COLS;
        const float *src = x + j0;
        long ld = ldx;
        if (j0 / COLS == last) {
            if (!tail_ready) {
                for (long t = 0; t < k; t++) {
                    for (long j = 0; j < cols; j++) tail[t * COLS + j] = x[t * ldx + j0 + j];
                    for (long j = cols; j < COLS; j++) tail[t * COLS + j] = 0.0f;
                }
                tail_ready = 1;
            }
            src = tail;
            ld = COLS;
        }
        if (cols <= COLS / 2) tile7(packed + r0 * k, src, ld, k, rows <= HALF, out);
        else tile(packed + r0 * k, src, ld, k, rows <= HALF, out);
        float *dst = y + r0 * ldy + j0;
        const float *a = scale ? scale + r0 : 0, *b = shift ? shift + r0 : 0;
        if (cols == COLS) {
            write_rows(out, rows < HALF ? rows : HALF, dst, ldy, a, b, relu);
            if (rows > HALF) write_rows(out + HALF, rows - HALF, dst + HALF * ldy, ldy, a ? a + HALF : 0, b ? b + HALF : 0, relu);
            continue;
        }
        for (long r = 0; r < rows; r++) {
            float row[COLS];
            for (long j = 0; j < cols; j++) row[j] = out[j * ROWS + r];
            prn_affine_relu_run(row, dst + r * ldy, cols, a ? a[r] : 1.0f, b ? b[r] : 0.0f, relu);
        }
    }
}

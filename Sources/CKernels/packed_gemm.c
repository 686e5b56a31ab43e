// Y = epilogue(W X) with W packed once (see include/CKernels.h).
//
// For one sample the convolutions that go through a column matrix (strided, 1x1, the stem, maps
// narrower than the direct kernel takes) are products with few columns and a large weight: at
// batch 1, 512 channels on 7x7, W is 512 x 4608 and X 4608 x 49. A general GEMM packs W into
// its own layout on every call, which there costs as much as the multiply-adds. Here W is packed
// by the layer when it changes, in blocks of 32 rows, each half of 16 rows stored tap-major
// ([k][16], so that a pass over the taps of one half reads one sequential stream), and the kernel
// vectorises over those 32 output channels: per tap, two weight vectors and 14 broadcast values
// of X feed 28 accumulators (AVX-512's 32 registers hold them; with AVX2's 16 the same sums run
// 16 rows and at most 5 columns at a time, packed_tile.h), so no lane is wasted on a column count
// that is not a multiple of 16, and X is read in place (row stride ldx).
#include "CKernels.h"
#include "clones.h"
#include "packed_tile.h"

long prn_packed_gemm_weight_size(long m, long k) { return (m + ROWS - 1) / ROWS * ROWS * k; }

long prn_packed_gemm_tiles(long n) { return (n + COLS - 1) / COLS; }

long prn_packed_gemm_tail_size(long k) { return k * COLS; }

int prn_packed_gemm_preferred(void) {
    return __builtin_cpu_supports("avx512f") || (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"));
}

// Rows of block b: 32, or what is left at the end (zeros fill the block up to 32).
CLONES
void prn_packed_gemm_pack(const float *restrict w, long m, long k, float *restrict packed) {
    for (long r0 = 0; r0 < m; r0 += ROWS) {
        float *block = packed + r0 * k;
        const long rows = m - r0 < ROWS ? m - r0 : ROWS;
        for (long t = 0; t < k; t++) {
            for (long r = 0; r < ROWS; r++) block[r / HALF * HALF * k + t * HALF + r % HALF] = r < rows ? w[(r0 + r) * k + t] : 0.0f;
        }
    }
}

// The tap loop of a product (a unit is one tap, all in one chunk): tap t's values are row t of X.
#define GEMM_TAPS(...) for (long t = u0; t < u1; t++, w += HALF, x += ldx) { __VA_ARGS__ }
#define SEEK(u) (w = w_first + hh * hk + (u) * HALF, x = x_first + (u) * ldx)
#define DEFINE_TILE(name, EACH)                                                                        \
    static inline __attribute__((always_inline))                                                      \
    void name(const float *restrict w, const float *restrict x, long ldx, long k, int half, int wide, float *restrict out) { \
        const long hk = HALF * k, units = k, chunk = k > 0 ? k : 1;                                  \
        TILE_BODY(EACH, GEMM_TAPS)                                                                    \
    }

// A full tile of 14 columns, and a last tile of at most 7 (7x7 maps: 49 positions are 3 tiles
// and 7), which would otherwise multiply 7 columns of zeros. Each output is the same sum in the
// same order in both.
#define COLUMN(j) x[j]
DEFINE_TILE(tile, EACH14)
DEFINE_TILE(tile7, EACH7)

CLONES
void prn_packed_gemm(const float *restrict packed, const float *restrict x, long ldx, float *restrict y, long ldy,
                     long m, long k, long n, long first_item, long item_count, const float *scale,
                     const float *shift, int relu, float *restrict tail) {
    const long tiles = prn_packed_gemm_tiles(n), last = n / COLS;
    // The last tile's columns past n would be read from past the end of X: that tile reads a
    // copy, its missing columns zero.
    int tail_ready = 0;
    const int wide = prn_wide_registers();
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
        if (cols <= COLS / 2) tile7(packed + r0 * k, src, ld, k, rows <= HALF, wide, out);
        else tile(packed + r0 * k, src, ld, k, rows <= HALF, wide, out);
        write_tile(out, rows, cols, y + r0 * ldy + j0, ldy, scale ? scale + r0 : 0, shift ? shift + r0 : 0, 0, relu);
    }
}

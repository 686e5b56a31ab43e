// The packed product of a convolution read from its (padded) input in place (see
// include/CKernels.h): the column matrix of im2col is never written. Column j of a tile is an
// output position; for tap (c, ky, kx) its value is the input at row oy * stride + ky, column
// ox * stride + kx. When a tile's 14 positions lie in one output row, the 14 values of a tap are
// x[stride * j] from one pointer; when the output rows are 7 wide, a tile is two rows of 7, the
// second `rs` floats further. Those offsets are constants in the instruction, so a tap costs what
// it costs in prn_packed_gemm, and the sums run in the same order over the same taps: the
// outputs are the im2col path's bit for bit.
#include "CKernels.h"
#include "clones.h"
#include "packed_tile.h"

int prn_packed_conv_applies(long kernel, long stride, long out_width) {
    return (kernel == 1 || kernel == 3) && (stride == 1 || stride == 2) && (out_width % COLS == 0 || out_width == COLS / 2);
}

CLONES
void prn_packed_conv_pad_rows(const float *restrict x, float *restrict band, long channels, long height, long width,
                              long padding, long first_row, long rows) {
    const long wp = width + 2 * padding;
    for (long c = 0; c < channels; c++) {
        for (long r = first_row; r < first_row + rows; r++) {
            float *row = band + (c * rows + r - first_row) * wp;
            const long source = r - padding;
            if (source < 0 || source >= height) {
                for (long q = 0; q < wp; q++) row[q] = 0.0f;
                continue;
            }
            for (long q = 0; q < padding; q++) row[q] = row[padding + width + q] = 0.0f;
            for (long q = 0; q < width; q++) row[padding + q] = x[(c * height + source) * width + q];
        }
    }
}

// The taps of channels [u0, u1) in im2col's row order (channel, kernel row, kernel column); p is
// the tap's input at the tile's first position. Before each channel's taps, `ahead_lines` more
// cache lines of [ahead, ahead_end) are asked for (see prn_packed_conv).
#define CONV_TAPS(...)                                                                               \
    for (long c = u0; c < u1; c++, x += plane) {                                                    \
        for (long i = 0; i < ahead_lines && ahead < ahead_end; i++, ahead += 16)                     \
            __builtin_prefetch(ahead, 0, 2);                                                         \
        for (long ky = 0; ky < KERNEL; ky++)                                                         \
            for (long kx = 0; kx < KERNEL; kx++, w += HALF) {                                        \
                const float *p = x + ky * wp + kx;                                                   \
                __VA_ARGS__                                                                          \
            }                                                                                        \
    }
// Column j's value: STRIDE * j along one row; with TWO_ROWS, columns 7-13 are the next output
// row's first 7, `rs` floats further.
#define COLUMN(j) (TWO_ROWS && (j) >= 7 ? p[rs + STRIDE * ((j) - 7)] : p[STRIDE * (j)])
// A tile's units are its input channels. With AVX2 a tile is up to six passes over its taps
// (packed_tile.h), each reading the tile's inputs and half its weights again; over all the
// channels at once those spill L1 between passes (a 3x3 stride-2 tile reads twice the input rows
// of a stride-1 one), so the passes run over chunks of about CHUNK_TAPS taps.
enum { CHUNK_TAPS = 72 };
#define SEEK(u) (w = w_first + hh * hk + (u) * KERNEL * KERNEL * HALF, x = x_first + (u) * plane)
#define DEFINE_CONV_TILE(name, EACH, K, S, TWO)                                                      \
    static inline __attribute__((always_inline))                                                     \
    void name(const float *restrict w, const float *restrict x, long plane, long wp, long rs, long channels, \
              int half, int wide, float *restrict out, const float *ahead, const float *ahead_end,    \
              long ahead_lines) {                                                                    \
        enum { KERNEL = K, STRIDE = S, TWO_ROWS = TWO };                                             \
        const long hk = HALF * channels * KERNEL * KERNEL, units = channels;                         \
        const long chunk = CHUNK_TAPS / (KERNEL * KERNEL) > 0 ? CHUNK_TAPS / (KERNEL * KERNEL) : 1;  \
        TILE_BODY(EACH, CONV_TAPS)                                                                   \
    }

// For each kernel size and stride: a tile of 14 positions in one row (row14), of two rows of 7
// (rows7), and a last tile of one row of 7 (row7).
#define CONV_TILES(K, S)                                                                             \
    DEFINE_CONV_TILE(row14_k##K##_s##S, EACH14, K, S, 0)                                             \
    DEFINE_CONV_TILE(rows7_k##K##_s##S, EACH14, K, S, 1)                                             \
    DEFINE_CONV_TILE(row7_k##K##_s##S, EACH7, K, S, 0)
CONV_TILES(1, 1)
CONV_TILES(1, 2)
CONV_TILES(3, 1)
CONV_TILES(3, 2)

CLONES
void prn_packed_conv(const float *restrict packed, const float *restrict x, long channels, long height, long width,
                     long kernel, long stride, long out_height, long out_width, float *restrict y, long ldy, long m,
                     long first_item, long item_count, const float *scale, const float *shift,
                     const float *residual, int relu) {
    const long n = out_height * out_width, tiles = prn_packed_gemm_tiles(n), k = channels * kernel * kernel;
    const long plane = height * width, rs = stride * width;
    const int wide = prn_wide_registers();
    float out[COLS * ROWS];
    for (long item = first_item; item < first_item + item_count; item++) {
        const long r0 = item / tiles * ROWS, j0 = item % tiles * COLS;
        const long rows = m - r0 < ROWS ? m - r0 : ROWS, cols = n - j0 < COLS ? n - j0 : COLS;
        const float *src = x + (j0 / out_width) * rs + (j0 % out_width) * stride, *w = packed + r0 * k;
        const int half = rows <= HALF;
        // 0: 14 positions in one row; 1: two rows of 7; 2: one row of 7 (the last tile).
        const int shape = cols < COLS ? 2 : out_width < COLS ? 1 : 0;
        // The tile asks for its share of the next block's weight (1 / tiles of it), spread over
        // its passes' channel loops: at batch 1 a late layer's weight (2.4 MB for 256 channels
        // of 3x3) comes from memory on every forward, and without this each block's first pass
        // waits on it.
        const long share = (ROWS * k + tiles - 1) / tiles;
        const long passes = wide ? 1 : (half ? 1 : 2) * (shape == 2 ? 2 : 3);
        const long block = ROWS * k, first = item % tiles * share < block ? item % tiles * share : block;
        const float *ahead = r0 + ROWS < m ? packed + (r0 + ROWS) * k + first : packed;
        const float *ahead_end = r0 + ROWS < m ? ahead + (first + share < block ? share : block - first) : ahead;
        const long ahead_lines = (share / 16 + passes * channels - 1) / (passes * channels);
#define ARGS w, src, plane, width, rs, channels, half, wide, out, ahead, ahead_end, ahead_lines
#define CALL(K, S)                                                                                   \
        if (shape == 0) row14_k##K##_s##S(ARGS);                                                     \
        else if (shape == 1) rows7_k##K##_s##S(ARGS);                                                \
        else row7_k##K##_s##S(ARGS);
        if (kernel == 1 && stride == 1) { CALL(1, 1) }
        else if (kernel == 1) { CALL(1, 2) }
        else if (stride == 1) { CALL(3, 1) }
        else { CALL(3, 2) }
#undef CALL
#undef ARGS
        write_tile(out, rows, cols, y + r0 * ldy + j0, ldy, scale ? scale + r0 : 0, shift ? shift + r0 : 0,
                   residual ? residual + r0 * ldy + j0 : 0, relu);
    }
}

// Stride-2 convolutions of a few input channels with large kernels (an image network's stem:
// 3 channels, 7x7) by broadcasting inputs against vectors of output channels (see
// include/CKernels.h).
//
// With the vectors over output channels the stride costs nothing: each multiply-add takes one
// input value, broadcast from wherever it lies, so the input needs neither a phase split nor a
// gather, and no vector of inputs is loaded (the direct kernel's, at every odd tap offset, often
// straddle two cache lines); the vectors are the weights, the same few KB for every block. A
// block of 6 positions by 16 outputs keeps 12 accumulators, two weight vectors and one
// broadcast in AVX2's 16 registers; per tap 8 loads feed 12 multiply-adds, so the FMA pipes,
// not the loads, set the pace. The input's rows are copied a group of output rows at a time
// into a small zero-bordered window (the padding), which stays in L1/L2 while every block of
// outputs reads it.
#include "CKernels.h"
#include "clones.h"
#include "affine.h"
#include "transpose8.h"

enum { OUTS = 16, POSITIONS = 6, GROUP_ROWS = 8, STRIDE = 2 };

int prn_strided_conv_applies(long channels, long kernel, long stride) {
    return stride == STRIDE && kernel >= 1 && channels >= 1 && channels <= 4;
}

long prn_strided_conv_weight_size(long outs, long channels, long kernel) {
    return (outs + OUTS - 1) / OUTS * OUTS * channels * kernel * kernel;
}

// [outs / 16][channels][ky][kx][16], zeros past the last output.
void prn_strided_conv_weight(const float *w, long outs, long channels, long kernel, float *out) {
    const long taps = channels * kernel * kernel, blocks = (outs + OUTS - 1) / OUTS;
    for (long b = 0; b < blocks; b++)
        for (long t = 0; t < taps; t++)
            for (long i = 0; i < OUTS; i++) {
                const long o = b * OUTS + i;
                out[(b * taps + t) * OUTS + i] = o < outs ? w[o * taps + t] : 0.0f;
            }
}

// Positions computed per output row: whole blocks of 6 (the extra ones read the window's
// zeros); and the positions a row's tile holds: those, and at least whole 8x8 transposes' worth.
static long computed_positions(long out_width) { return (out_width + POSITIONS - 1) / POSITIONS * POSITIONS; }
static long transposed_positions(long out_width) { return (out_width + 7) / 8 * 8; }
static long tile_positions(long out_width) {
    const long c = computed_positions(out_width), e = transposed_positions(out_width);
    return c > e ? c : e;
}
static long window_width(long kernel, long out_width) { return STRIDE * (computed_positions(out_width) - 1) + kernel; }
static long window_rows(long kernel) { return STRIDE * (GROUP_ROWS - 1) + kernel; }

long prn_strided_conv_scratch_size(long channels, long kernel, long out_width, long outs) {
    const long n = tile_positions(out_width), blocks = (outs + OUTS - 1) / OUTS;
    return channels * window_rows(kernel) * window_width(kernel, out_width) + (blocks + 1) * n * OUTS;
}

// The window of output rows [oy0, oy0 + rows): input rows STRIDE * oy0 - padding on, each with
// `padding` zeros before it and zeros after it to the window's width; rows outside the input
// are zeros.
static void fill_window(const float *restrict x, float *restrict win, long channels, long height, long width,
                        long kernel, long padding, long oy0, long rows, long ww) {
    const long wr = STRIDE * (rows - 1) + kernel;
    for (long c = 0; c < channels; c++)
        for (long r = 0; r < wr; r++) {
            float *dst = win + (c * window_rows(kernel) + r) * ww;
            const long iy = STRIDE * oy0 - padding + r;
            long j = 0;
            if (iy >= 0 && iy < height) {
                const float *src = x + (c * height + iy) * width;
                for (; j < padding && j < ww; j++) dst[j] = 0.0f;
                for (; j < padding + width && j < ww; j++) dst[j] = src[j - padding];
            }
            for (; j < ww; j++) dst[j] = 0.0f;
        }
}

// Tap kx of the row at s, its weights at wk: one broadcast per position, two multiply-adds.
#define TAP(kx)                                                                            \
    {                                                                                      \
        const v8 w0 = *(const v8 *)(wk + (kx) * OUTS), w1 = *(const v8 *)(wk + (kx) * OUTS + 8); \
        float v;                                                                           \
        v = s[(kx)];      a0 += v * w0; b0 += v * w1;                                      \
        v = s[(kx) + 2];  a1 += v * w0; b1 += v * w1;                                      \
        v = s[(kx) + 4];  a2 += v * w0; b2 += v * w1;                                      \
        v = s[(kx) + 6];  a3 += v * w0; b3 += v * w1;                                      \
        v = s[(kx) + 8];  a4 += v * w0; b4 += v * w1;                                      \
        v = s[(kx) + 10]; a5 += v * w0; b5 += v * w1;                                      \
    }

// Outputs [16 h_block, +16) of positions ox0 .. ox0 + 5 of one output row, whose window rows
// start at `rows` (channel c's at rows + c * plane), into t[ox][16]. Taps in the order c, ky,
// kx, each sum from zero.
static inline __attribute__((always_inline))
void block_outputs(const float *restrict rows, const float *restrict w, float *restrict t, long channels,
                   long plane, long ww, const long kernel) {
    v8 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, a4 = {0}, a5 = {0};
    v8 b0 = {0}, b1 = {0}, b2 = {0}, b3 = {0}, b4 = {0}, b5 = {0};
    for (long c = 0; c < channels; c++)
        for (long ky = 0; ky < kernel; ky++) {
            const float *s = rows + c * plane + ky * ww, *wk = w + (c * kernel + ky) * kernel * OUTS;
            for (long kx = 0; kx < kernel; kx++) TAP(kx)
        }
    *(v8 *)(t + 0 * OUTS) = a0; *(v8 *)(t + 0 * OUTS + 8) = b0;
    *(v8 *)(t + 1 * OUTS) = a1; *(v8 *)(t + 1 * OUTS + 8) = b1;
    *(v8 *)(t + 2 * OUTS) = a2; *(v8 *)(t + 2 * OUTS + 8) = b2;
    *(v8 *)(t + 3 * OUTS) = a3; *(v8 *)(t + 3 * OUTS + 8) = b3;
    *(v8 *)(t + 4 * OUTS) = a4; *(v8 *)(t + 4 * OUTS + 8) = b4;
    *(v8 *)(t + 5 * OUTS) = a5; *(v8 *)(t + 5 * OUTS + 8) = b5;
}

// t[ox][16] (n positions, a multiple of 8) as rows[16][n]: 8x8 transposes in registers.
static void transpose_tile(const float *restrict t, float *restrict rows, long n) {
    for (long p = 0; p < n; p += 8)
        for (long h = 0; h < OUTS; h += 8) {
            v8 r[8], c[8];
            for (int i = 0; i < 8; i++) r[i] = *(const v8 *)(t + (p + i) * OUTS + h);
            transpose8(r, c);
            for (int i = 0; i < 8; i++) *(v8 *)(rows + (h + i) * n + p) = c[i];
        }
}

// One output row: each block of 6 positions for every block of 16 outputs (the positions' input
// still in L1 for the next block of outputs), block b's into t + b * m * 16. For the common stem
// (3 channels, 7x7) the channel count and kernel size are constants, so the loops over them are
// fixed.
static inline __attribute__((always_inline))
void row_outputs(const float *restrict rows, const float *restrict weight, float *restrict t, long channels,
                 long plane, long ww, long n, long m, long blocks, const long kernel) {
    const long taps = channels * kernel * kernel;
    for (long ox = 0; ox < n; ox += POSITIONS)
        for (long b = 0; b < blocks; b++)
            block_outputs(rows + STRIDE * ox, weight + b * taps * OUTS, t + (b * m + ox) * OUTS, channels, plane, ww,
                          kernel);
}

CLONES
void prn_strided_conv_rows(const float *restrict x, const float *restrict weight, float *restrict y, long channels,
                           long height, long width, long kernel, long padding, long outs, long out_height,
                           long out_width, long row_first, long row_count, const float *scale, const float *shift,
                           int relu, float *restrict scratch) {
    const long n = computed_positions(out_width), m = tile_positions(out_width), e = transposed_positions(out_width);
    const long ww = window_width(kernel, out_width), plane = window_rows(kernel) * ww, blocks = (outs + OUTS - 1) / OUTS;
    float *win = scratch, *t = scratch + channels * plane, *rows = t + blocks * m * OUTS;
    // Tile positions past the computed ones are transposed but never written out: zeros.
    for (long b = 0; b < blocks; b++)
        for (long i = n * OUTS; i < m * OUTS; i++) t[b * m * OUTS + i] = 0.0f;
    const long row_end = row_first + row_count < out_height ? row_first + row_count : out_height;
    for (long oy0 = row_first; oy0 < row_end; oy0 += GROUP_ROWS) {
        const long group = row_end - oy0 < GROUP_ROWS ? row_end - oy0 : GROUP_ROWS;
        fill_window(x, win, channels, height, width, kernel, padding, oy0, group, ww);
        for (long r = 0; r < group; r++) {
            const float *in = win + STRIDE * r * ww;
            if (kernel == 7 && channels == 3) row_outputs(in, weight, t, 3, plane, ww, n, m, blocks, 7);
            else row_outputs(in, weight, t, channels, plane, ww, n, m, blocks, kernel);
            for (long b = 0; b < blocks; b++) {
                transpose_tile(t + b * m * OUTS, rows, e);
                const long o0 = b * OUTS, count = outs - o0 < OUTS ? outs - o0 : OUTS;
                for (long i = 0; i < count; i++)
                    prn_affine_relu_run(rows + i * e, y + ((o0 + i) * out_height + oy0 + r) * out_width, out_width,
                                        scale ? scale[o0 + i] : 1.0f, shift ? shift[o0 + i] : 0.0f, relu);
            }
        }
    }
}
